package dev.imageregistry.platform.tracing;

import java.util.Optional;
import java.util.regex.Pattern;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * W3C trace context ({@code traceparent}) for work that outlives the thread it started on: an event waits in the
 * outbox, a copy waits in its queue. The context is stored with the event (the envelope's {@code traceparent}
 * attribute, CloudEvents' Distributed Tracing extension) and continued where the work resumes, so one copy is one
 * trace from CopyImage to ImageAvailable.
 *
 * <p>The OpenTelemetry API is a no-op unless the Java agent is attached (deploy/README.md); the agent bridges it
 * to its SDK. Without the agent the trace ID still travels: a continued span is then the stored context itself,
 * and a request's context is read from its {@code traceparent} header.
 */
public final class TraceContext {
    public static final String TRACEPARENT = "traceparent";
    /** Version 00 of the W3C format, as the envelope schema states it. */
    private static final Pattern FORMAT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final String INSTRUMENTATION = "dev.imageregistry.platform";

    private TraceContext() {
    }

    /** The traceparent of the work in hand: the current span's, else the HTTP caller's; null when there is none. */
    public static String current() {
        SpanContext span = Span.current().getSpanContext();
        if (span.isValid()) {
            return format(span);
        }
        return callerTraceparent();
    }

    public static String format(SpanContext context) {
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    /** A well-formed, valid traceparent as a remote span context; empty for null or anything else. */
    public static Optional<SpanContext> parse(String traceparent) {
        if (traceparent == null || !FORMAT.matcher(traceparent).matches()) {
            return Optional.empty();
        }
        SpanContext context = SpanContext.createFromRemoteParent(traceparent.substring(3, 35),
                traceparent.substring(36, 52), TraceFlags.fromHex(traceparent, 53), TraceState.getDefault());
        return context.isValid() ? Optional.of(context) : Optional.empty();
    }

    /** The OpenTelemetry context whose parent span is the given traceparent; the current context if it is unusable. */
    public static Context contextOf(String traceparent) {
        return parse(traceparent).map(span -> Context.root().with(Span.wrap(span))).orElseGet(Context::current);
    }

    /**
     * Starts a span that continues {@code traceparent} (or the current context when it is null or malformed) and
     * makes it current until {@link Continued#close()}, on this thread.
     */
    public static Continued continueTrace(String traceparent, String spanName, SpanKind kind) {
        Span span = GlobalOpenTelemetry.getTracer(INSTRUMENTATION).spanBuilder(spanName).setSpanKind(kind)
                .setParent(contextOf(traceparent)).startSpan();
        return new Continued(span, span.makeCurrent());
    }

    private static String callerTraceparent() {
        ArcContainer container = Arc.container();
        if (container == null || !container.requestContext().isActive()) {
            return null;
        }
        InstanceHandle<CurrentVertxRequest> request = container.instance(CurrentVertxRequest.class);
        RoutingContext routing = request.isAvailable() ? request.get().getCurrent() : null;
        if (routing == null) {
            return null;
        }
        return parse(routing.request().getHeader(TRACEPARENT)).map(TraceContext::format).orElse(null);
    }

    /** A span made current for a piece of work; closing ends it and restores the previous context. */
    public static final class Continued implements AutoCloseable {
        private final Span span;
        private final Scope scope;

        Continued(Span span, Scope scope) {
            this.span = span;
            this.scope = scope;
        }

        public Span span() {
            return span;
        }

        public void failed(Throwable failure) {
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR);
        }

        @Override
        public void close() {
            scope.close();
            span.end();
        }
    }
}
