package dev.imageregistry.platform.operators;

import java.security.Principal;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Every operator call, allowed or refused, leaves a line in the log (who, what, outcome) and a count in the
 * metrics ({@code imageregistry_operator_calls_total{call, outcome}}), so an operator can audit who rebuilt what
 * and an alert can watch for accounts probing {@code /admin}.
 */
@ApplicationScoped
public class OperatorCalls {
    private static final Logger LOG = Logger.getLogger(OperatorCalls.class);

    private final MeterRegistry metrics;

    public OperatorCalls(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    @ServerResponseFilter
    public void record(ContainerRequestContext request, ContainerResponseContext response, SimpleResourceInfo resource) {
        String path = request.getUriInfo().getPath();
        if (!OperatorRole.isOperatorPath(path)) {
            return;
        }
        int status = response.getStatus();
        String outcome = status / 100 == 2 ? "done" : status == 401 || status == 403 ? "refused" : "failed";
        Principal caller = request.getSecurityContext() == null ? null : request.getSecurityContext().getUserPrincipal();
        String who = caller == null || caller.getName() == null || caller.getName().isEmpty() ? "anonymous" : caller.getName();
        // The log names the path as sent (cut short: it is the caller's text); the metric names the resource method,
        // so a caller's made-up paths cannot grow the metrics without bound.
        String what = request.getMethod() + " " + (path.length() > 200 ? path.substring(0, 200) + "…" : path);
        if (outcome.equals("done")) {
            LOG.infof("operator call %s by %s: %d", what, who, status);
        } else {
            LOG.warnf("operator call %s by %s: %s (%d)", what, who, outcome, status);
        }
        String call = resource == null || resource.getResourceClass() == null ? "unknown"
                : resource.getResourceClass().getSimpleName() + "." + resource.getMethodName();
        metrics.counter("imageregistry.operator.calls", "call", call, "outcome", outcome).increment();
    }
}
