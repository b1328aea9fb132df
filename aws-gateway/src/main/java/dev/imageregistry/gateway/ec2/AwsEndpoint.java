package dev.imageregistry.gateway.ec2;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.gateway.limits.RequestLimits;
import dev.imageregistry.gateway.regions.RegionForwarding;
import dev.imageregistry.gateway.regions.Regions;
import dev.imageregistry.gateway.signature.AccessKeys;
import dev.imageregistry.gateway.signature.Caller;
import dev.imageregistry.gateway.signature.SignatureV4;
import dev.imageregistry.gateway.signature.SignedRequest;
import dev.imageregistry.gateway.sts.CallerIdentity;
import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.gateway.wire.QueryParameters;
import dev.imageregistry.gateway.wire.RequestIds;
import dev.imageregistry.gateway.wire.XmlAnswer;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerRequest;

/**
 * The Region's AWS endpoint for the Query protocols: {@code GET /?Action=…} and form-encoded {@code POST /}, EC2
 * (API 2016-11-15) and STS (2011-06-15). Each request is verified (SigV4), passed on unchanged when it is signed for
 * another Region, and otherwise read, run and answered by the action's declaration.
 */
@Path("/")
public class AwsEndpoint {
    private static final Logger LOG = Logger.getLogger(AwsEndpoint.class);
    private static final String STS_VERSION = "2011-06-15";

    private final SignatureV4 signatures;
    private final Regions regions;
    private final RegionForwarding forwarding;
    private final Ec2Actions ec2;
    private final CallerIdentity sts;
    private final MeterRegistry metrics;
    private final RequestLimits limits;
    private final java.util.concurrent.ConcurrentHashMap<String, io.micrometer.core.instrument.Counter> counters =
            new java.util.concurrent.ConcurrentHashMap<>();

    public AwsEndpoint(AccessKeys keys, Regions regions, RegionForwarding forwarding, Ec2Actions ec2, CallerIdentity sts,
            MeterRegistry metrics, RequestLimits limits) {
        this.signatures = new SignatureV4(keys::find, Clock.systemUTC());
        this.regions = regions;
        this.forwarding = forwarding;
        this.ec2 = ec2;
        this.sts = sts;
        this.metrics = metrics;
        this.limits = limits;
    }

    @GET
    public Response get(@Context HttpServerRequest http) {
        return handle(http, new byte[0]);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response post(@Context HttpServerRequest http, byte[] body) {
        return handle(http, body == null ? new byte[0] : body);
    }

    private Response handle(HttpServerRequest http, byte[] body) {
        String requestId = RequestIds.next();
        SignedRequest request = new SignedRequest(http.method().name(), http.path(), http.query(), headers(http), body);
        XmlAnswer protocol = XmlAnswer.EC2;
        String action = "?";
        try {
            String contentType = String.valueOf(request.header("content-type"));
            Map<String, String> parameters = QueryParameters.decode(http.query(),
                    contentType.startsWith("application/x-www-form-urlencoded") ? body : null);
            action = parameters.getOrDefault("Action", "?");
            String[] scope = SignatureV4.scope(request);
            String service = scope != null ? scope[1] : STS_VERSION.equals(parameters.get("Version")) ? "sts" : "ec2";
            protocol = "sts".equals(service) ? XmlAnswer.QUERY : XmlAnswer.EC2;
            Caller caller = signatures.verify(request, service);
            if (!regions.isOwn(caller.region())) {
                return passOn(caller.region(), request, action);
            }
            if (!parameters.containsKey("Action")) {
                throw new AwsError(400, "MissingAction", "The request must contain the parameter Action.");
            }
            limits.admit(caller.account(), action);
            byte[] answer;
            if ("sts".equals(service)) {
                answer = protocol.answer(action, sts.shape(action), sts.answer(action, caller, parameters), requestId);
            } else if ("ec2".equals(service)) {
                Ec2Action declared = ec2.find(action);
                ObjectNode input = declared.read(parameters);
                JsonNode members = declared.run(new ActionCall(caller, input));
                answer = protocol.answer(action, declared.answerShape(), members, requestId);
            } else {
                throw new AwsError(400, "InvalidAction", "The " + service + " service is not answered at this path.");
            }
            count(action, 200);
            return Response.ok(answer, "text/xml;charset=UTF-8").header("x-amzn-RequestId", requestId).build();
        } catch (AwsError e) {
            count(action, e.status());
            return Response.status(e.status()).entity(protocol.error(e, requestId)).type("text/xml;charset=UTF-8")
                    .header("x-amzn-RequestId", requestId).build();
        } catch (RuntimeException e) {
            LOG.errorf(e, "request %s (%s) failed", requestId, action);
            count(action, 500);
            AwsError internal = new AwsError(500, "InternalError", "We encountered an internal error. Please try again.");
            return Response.status(500).entity(protocol.error(internal, requestId)).type("text/xml;charset=UTF-8")
                    .header("x-amzn-RequestId", requestId).build();
        }
    }

    private Response passOn(String region, SignedRequest request, String action) {
        if (!regions.exists(region) || regions.gatewayOf(region) == null) {
            throw new AwsError(401, "AuthFailure", "Credential should be scoped to a valid region: " + region
                    + " is not a Region of this image registry.");
        }
        RegionForwarding.Forwarded answer = forwarding.forward(region, request);
        metrics.counter("imageregistry_gateway_forwarded_total", "region", region).increment();
        Response.ResponseBuilder response = Response.status(answer.status()).entity(answer.body());
        answer.headers().forEach((name, value) -> {
            String lower = name.toLowerCase();
            if (!lower.equals("content-length") && !lower.equals("transfer-encoding") && !lower.equals("connection")) {
                response.header(name, value);
            }
        });
        return response.build();
    }

    /** Counted by action name only for actions that exist here: a client's made-up names must not grow the metrics. */
    private void count(String action, int status) {
        String known = ec2.answers(action) || sts.answers(action) ? action : "other";
        counters.computeIfAbsent(known + ' ' + status, k -> metrics.counter("imageregistry_gateway_requests_total",
                "action", known, "status", String.valueOf(status))).increment();
    }

    private static Map<String, List<String>> headers(HttpServerRequest http) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        http.headers().forEach(e -> headers.computeIfAbsent(e.getKey().toLowerCase(), k -> new ArrayList<>()).add(e.getValue()));
        return headers;
    }
}
