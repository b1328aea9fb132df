package dev.imageregistry.platform.limits;

import java.lang.reflect.Method;
import java.security.Principal;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.imageregistry.limits.AccountLimits;
import dev.imageregistry.limits.ActionClass;
import dev.imageregistry.limits.Rate;
import dev.imageregistry.platform.errors.Ec2ErrorMappers;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.identity.CallerAccount;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Per-account request limits on a service's JSON API ({@code imageregistry.request-limits.*}, the buckets of
 * {@link AccountLimits}), so one account flooding the service cannot starve the others: over its limit, a request is
 * EC2's {@code 503 RequestLimitExceeded} before any resource runs (nothing changes), counted in
 * {@code imageregistry_requests_limited_total{class}}.
 *
 * <p>Calls the AWS gateway makes for an account carry the {@link #ADMITTED_BY} claim: the gateway has admitted them
 * by the same account's limits already, and one EC2 action may take several calls here. A token with no account (an
 * operator's) is not limited here; the resource refuses or serves it.
 */
@ApplicationScoped
public class AccountRequestLimits {
    /** The claim the AWS gateway sets in the tokens it mints, naming itself. */
    public static final String ADMITTED_BY = "admitted_by";

    static final Map<ActionClass, Rate> DEFAULTS = Map.of(ActionClass.DESCRIBE, new Rate(200, 100),
            ActionClass.MUTATE, new Rate(100, 20), ActionClass.LAUNCH, new Rate(50, 5), ActionClass.BLOCKS,
            new Rate(2000, 1000));

    private final AccountLimits limits;
    private final MeterRegistry metrics;
    private final Map<Method, Optional<ActionClass>> declared = new ConcurrentHashMap<>();

    @Inject
    public AccountRequestLimits(Config config, MeterRegistry metrics) {
        this.limits = AccountLimits.configured("imageregistry.request-limits", config.getPropertyNames(),
                name -> config.getOptionalValue(name, String.class), DEFAULTS);
        this.metrics = metrics;
    }

    @ServerRequestFilter
    public Response admit(ContainerRequestContext request, ResourceInfo resource) {
        Principal caller = request.getSecurityContext() == null ? null : request.getSecurityContext().getUserPrincipal();
        if (!(caller instanceof JsonWebToken token) || token.getClaim(ADMITTED_BY) != null) {
            return null;
        }
        Object claimed = token.getClaim("account");
        String account = claimed != null ? claimed.toString() : token.getSubject();
        if (account == null || !account.matches(CallerAccount.ACCOUNT_PATTERN)) {
            return null;
        }
        ActionClass actionClass = classOf(request.getMethod(), resource.getResourceMethod());
        if (limits.admit(account, actionClass)) {
            return null;
        }
        metrics.counter("imageregistry.requests.limited", "class", actionClass.key()).increment();
        return Ec2ErrorMappers.answer(new Ec2Exception(503, "RequestLimitExceeded", "Request limit exceeded."));
    }

    private ActionClass classOf(String httpMethod, Method method) {
        Optional<ActionClass> byAnnotation = method == null ? Optional.empty()
                : declared.computeIfAbsent(method,
                        m -> Optional.ofNullable(m.getAnnotation(LimitedAs.class)).map(LimitedAs::value));
        return byAnnotation.orElse("GET".equals(httpMethod) || "HEAD".equals(httpMethod) ? ActionClass.DESCRIBE
                : ActionClass.MUTATE);
    }
}
