package dev.imageregistry.gateway.ec2;

import java.time.Clock;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imageregistry.gateway.ebs.EbsEndpoint;
import dev.imageregistry.gateway.ebs.EbsRefusal;
import dev.imageregistry.gateway.limits.RequestLimits;
import dev.imageregistry.gateway.regions.RegionForwarding;
import dev.imageregistry.gateway.regions.Regions;
import dev.imageregistry.gateway.signature.AccessKeys;
import dev.imageregistry.gateway.signature.Caller;
import dev.imageregistry.gateway.signature.SignatureV4;
import dev.imageregistry.gateway.signature.SignedRequest;
import dev.imageregistry.gateway.sts.CallerIdentity;
import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.gateway.wire.HttpRefusals;
import dev.imageregistry.gateway.wire.QueryParameters;
import dev.imageregistry.gateway.wire.RequestCounts;
import dev.imageregistry.gateway.wire.RequestIds;
import dev.imageregistry.gateway.wire.WireShape;
import dev.imageregistry.gateway.wire.XmlAnswer;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The Region's AWS endpoint for the Query protocols: {@code GET /?Action=…} and form-encoded {@code POST /}, EC2
 * (API 2016-11-15) and STS (2011-06-15); EBS direct's REST paths ({@code /snapshots…}) are {@link EbsEndpoint}'s. Each request is verified (SigV4), passed on unchanged when it is signed for
 * another Region, and otherwise read, run and answered by the action's declaration.
 *
 * <p>A route of Vert.x' router, not a JAX-RS resource: a request is served from start to end on the event loop that
 * received it — the body read as it arrives, the services called without waiting for them, the answer written when
 * theirs comes — so no worker thread, request scope or blocking stream stands between the client and the services.
 * Nothing on this path blocks: the access keys, tokens and limits are in memory.
 */
@ApplicationScoped
public class AwsEndpoint {
    private static final Logger LOG = Logger.getLogger(AwsEndpoint.class);
    private static final String STS_VERSION = "2011-06-15";
    // Header names spelt as the endpoint has always sent them (HTTP does not mind, a diff of two answers does).
    private static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
    private static final CharSequence XML = HttpHeaders.createOptimized("text/xml;charset=UTF-8");
    private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-amzn-RequestId");
    /** What OPTIONS has always answered here (JAX-RS did it by itself). */
    private static final CharSequence ALLOW = HttpHeaders.createOptimized("Allow");
    private static final CharSequence ALLOWED = HttpHeaders.createOptimized("HEAD, POST, GET, OPTIONS");

    private final SignatureV4 signatures;
    private final Regions regions;
    private final RegionForwarding forwarding;
    private final Ec2Actions ec2;
    private final CallerIdentity sts;
    private final MeterRegistry metrics;
    private final RequestLimits limits;
    private final long maxBodyBytes;
    private final int maxUriLength;
    private final RequestCounts counts;

    public AwsEndpoint(AccessKeys keys, Regions regions, RegionForwarding forwarding, Ec2Actions ec2, CallerIdentity sts,
            MeterRegistry metrics, RequestCounts counts, RequestLimits limits,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBodySize,
            @ConfigProperty(name = "gateway.limits.max-uri-length", defaultValue = "16384") int maxUriLength) {
        this.signatures = new SignatureV4(keys::find, Clock.systemUTC());
        this.regions = regions;
        this.forwarding = forwarding;
        this.ec2 = ec2;
        this.sts = sts;
        this.metrics = metrics;
        this.counts = counts;
        this.limits = limits;
        this.maxBodyBytes = maxBodySize.asLongValue();
        this.maxUriLength = maxUriLength;
    }

    void route(@Observes Router router) {
        // Ahead of Quarkus' own check of a declared length (ROUTE_ORDER_UPLOAD_LIMIT), which answers an empty 413.
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::refuseDeclaredTooLarge);
        router.route("/").handler(this::serve).failureHandler(this::failed);
        // Last of all routes, so that health, metrics and every other route of Quarkus' come first.
        router.route().last().handler(context -> refuse(context, HttpRefusals.unknownPath()));
    }

    private void serve(RoutingContext context) {
        HttpMethod method = context.request().method();
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
            // A GET's body is not read, and not signed: the SDKs send none.
            answer(context, RequestBody.NONE);
        } else if (method.equals(HttpMethod.POST)) {
            RequestBody.read(context, maxBodyBytes).onComplete(read -> {
                if (read.succeeded()) {
                    answer(context, read.result());
                } else {
                    refuse(context, read.cause() instanceof AwsError refusal ? refusal : HttpRefusals.unreadable());
                }
            });
        } else if (method.equals(HttpMethod.OPTIONS)) {
            context.response().putHeader(ALLOW, ALLOWED).end();
        } else {
            refuse(context, HttpRefusals.otherMethod());
        }
    }

    private void answer(RoutingContext context, byte[] body) {
        Exchange exchange = new Exchange(context.response(), RequestIds.next());
        Future<Void> answered;
        try {
            answered = respond(context.request(), body, exchange);
        } catch (RuntimeException e) {
            answered = Future.failedFuture(e);
        }
        answered.onFailure(exchange::refuse);
    }

    /** Verifies, routes and runs a request; the future fails with what to refuse it with. */
    private Future<Void> respond(HttpServerRequest http, byte[] body, Exchange exchange) {
        SignedRequest request = new SignedRequest(http.method().name(), http.path(), http.query(), SignedRequest.headers(http.headers()), body);
        String contentType = String.valueOf(request.header("content-type"));
        Map<String, String> parameters = QueryParameters.decode(http.query(),
                contentType.startsWith("application/x-www-form-urlencoded") ? body : null);
        String action = parameters.getOrDefault("Action", "?");
        exchange.action = action;
        SignatureV4.Claim claim = SignatureV4.claim(request);
        String service = claim.service() != null ? claim.service()
                : STS_VERSION.equals(parameters.get("Version")) ? "sts" : "ec2";
        exchange.protocol = "sts".equals(service) ? XmlAnswer.QUERY : XmlAnswer.EC2;
        Caller caller = signatures.verify(request, claim, service);
        if (!regions.isOwn(caller.region())) {
            return passOn(caller.region(), request, exchange);
        }
        if (!parameters.containsKey("Action")) {
            throw new AwsError(400, "MissingAction", "The request must contain the parameter Action.");
        }
        limits.admit(caller.account(), action);
        if ("sts".equals(service)) {
            exchange.answer(sts.shape(action), sts.answer(action, caller, parameters));
            return Future.succeededFuture();
        } else if ("ec2".equals(service)) {
            Ec2Action declared = ec2.find(action);
            ActionCall call = new ActionCall(caller, declared.read(parameters));
            return declared.run(call).map(members -> {
                exchange.answer(declared.answerShape(), members);
                return null;
            });
        }
        throw new AwsError(400, "InvalidAction", "The " + service + " service is not answered at this path.");
    }

    private Future<Void> passOn(String region, SignedRequest request, Exchange exchange) {
        if (!regions.exists(region) || regions.gatewayOf(region) == null) {
            throw new AwsError(401, "AuthFailure", "Credential should be scoped to a valid region: " + region
                    + " is not a Region of this image registry.");
        }
        return forwarding.forward(region, request).map(answer -> {
            metrics.counter("imageregistry_gateway_forwarded_total", "region", region).increment();
            exchange.relay(answer);
            return null;
        });
    }

    /** One request being answered: its ID, and what is known of it so far for the answer of a refusal. */
    private final class Exchange {
        private final HttpServerResponse response;
        private final String requestId;
        private XmlAnswer protocol = XmlAnswer.EC2;
        private String action = "?";

        Exchange(HttpServerResponse response, String requestId) {
            this.response = response;
            this.requestId = requestId;
        }

        void answer(WireShape shape, JsonNode members) {
            byte[] xml = protocol.answer(action, shape, members, requestId);
            count(action, 200);
            send(response, 200, xml, requestId);
        }

        void relay(RegionForwarding.Forwarded answer) {
            if (response.closed() || response.ended()) {
                return;
            }
            response.setStatusCode(answer.status());
            answer.headers().forEach((name, value) -> {
                String lower = name.toLowerCase();
                if (!lower.equals("content-length") && !lower.equals("transfer-encoding") && !lower.equals("connection")) {
                    response.headers().add(name, value);
                }
            });
            response.end(Buffer.buffer(Unpooled.wrappedBuffer(answer.body())));
        }

        void refuse(Throwable failure) {
            if (failure instanceof AwsError refusal) {
                try {
                    byte[] answer = protocol.error(refusal, requestId);
                    count(action, refusal.status());
                    send(response, refusal.status(), answer, requestId);
                    return;
                } catch (RuntimeException unwritable) {
                    failure = unwritable;
                }
            }
            // Whatever else went wrong (a handler's bug, an answer that could not be written), the client is answered.
            LOG.errorf(failure, "request %s (%s) failed", requestId, action);
            count(action, 500);
            AwsError internal = new AwsError(500, "InternalError", "We encountered an internal error. Please try again.");
            send(response, 500, protocol.error(internal, requestId), requestId);
        }
    }

    /** A refusal of the HTTP layer (no action read yet): EC2's envelope, not counted as an action's answer. */
    private void refuse(RoutingContext context, AwsError refusal) {
        String requestId = RequestIds.next();
        HttpServerResponse response = context.response();
        if (refusal.status() == 413) {
            // The rest of the body is not read: the connection cannot carry another request after it.
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            response.endHandler(ignored -> context.request().connection().close());
        }
        if (EbsEndpoint.serves(context.request().path())) {
            EbsRefusal.send(response, refusal, requestId); // EBS direct's paths are refused in its shape, even here
        } else {
            send(response, refusal.status(), XmlAnswer.EC2.error(refusal, requestId), requestId);
        }
    }

    private void refuseDeclaredTooLarge(RoutingContext context) {
        if (RequestBody.declaredLength(context.request()) > maxBodyBytes) {
            refuse(context, HttpRefusals.tooLarge(maxBodyBytes));
        } else if (context.request().uri().length() > maxUriLength) {
            refuse(context, HttpRefusals.uriTooLong(maxUriLength));
        } else {
            context.next();
        }
    }

    /** Whatever failed inside the route itself (a handler's bug, Vert.x' own refusal): never an empty answer. */
    private void failed(RoutingContext context) {
        int status = context.statusCode();
        if (status == 413) {
            refuse(context, HttpRefusals.tooLarge(maxBodyBytes));
        } else if (status >= 400 && status < 500) {
            refuse(context, HttpRefusals.unreadable());
        } else {
            String requestId = RequestIds.next();
            LOG.errorf(context.failure(), "request %s failed", requestId);
            send(context.response(), 500, XmlAnswer.EC2.error(new AwsError(500, "InternalError",
                    "We encountered an internal error. Please try again."), requestId), requestId);
        }
    }

    private static void send(HttpServerResponse response, int status, byte[] xml, String requestId) {
        if (response.closed() || response.ended()) {
            return; // the client went away, or an answer was written already
        }
        response.setStatusCode(status).putHeader(CONTENT_TYPE, XML).putHeader(REQUEST_ID, requestId)
                .end(Buffer.buffer(Unpooled.wrappedBuffer(xml)));
    }

    /** Counted by action name only for actions that exist here: a client's made-up names must not grow the metrics. */
    private void count(String action, int status) {
        counts.count(ec2.answers(action) || sts.answers(action) ? action : "other", status);
    }

}
