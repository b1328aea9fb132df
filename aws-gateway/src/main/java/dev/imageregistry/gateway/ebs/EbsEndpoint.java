package dev.imageregistry.gateway.ebs;

import java.net.URI;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.gateway.ec2.RequestBody;
import dev.imageregistry.gateway.limits.RequestLimits;
import dev.imageregistry.gateway.regions.RegionForwarding;
import dev.imageregistry.gateway.regions.Regions;
import dev.imageregistry.gateway.services.CallerTokens;
import dev.imageregistry.gateway.signature.AccessKeys;
import dev.imageregistry.gateway.signature.Caller;
import dev.imageregistry.gateway.signature.SignatureV4;
import dev.imageregistry.gateway.signature.SignedRequest;
import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.gateway.wire.HttpRefusals;
import dev.imageregistry.gateway.wire.RequestCounts;
import dev.imageregistry.gateway.wire.RequestIds;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.Pipe;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The Region's AWS endpoint for EBS direct (API 2019-11-02, rest-json): {@code /snapshots} and everything below it, at
 * the same host and port as EC2's Query API, so that one {@code --endpoint-url} serves a tool that uses both (coldsnap
 * does). Each request is one of the six operations ({@link EbsOperation}) or refused 404; its SigV4 signature, scoped
 * to {@code ebs}, is verified; a request signed for another Region goes to that Region's gateway as it came; otherwise
 * the account's request limit is taken and the request goes on unchanged to the snapshot-service — which speaks the
 * EBS wire itself — with the account's bearer token for the signature, and its answer comes back unchanged.
 * Every refusal here is in EBS's shape ({@link EbsRefusal}).
 *
 * <p>Bodies: a GET's is not read (the SDKs send none, and sign the empty body); a POST's (StartSnapshot's JSON, a few
 * hundred bytes; CompleteSnapshot's is empty) is read within the body limit, hashed for the signature as the Query
 * API's is, and sent on; a PUT's (PutSnapshotBlock's 512 KiB block) is never read whole here: it streams from the
 * client to the snapshot-service as it arrives. Like the Query API, everything runs on the event loop that received
 * the request.
 */
@ApplicationScoped
public class EbsEndpoint {
    private static final Logger LOG = Logger.getLogger(EbsEndpoint.class);
    private static final HexFormat HEX = HexFormat.of();
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "te",
            "upgrade", "proxy-authorization", "proxy-connection", "content-length", "expect");

    private final SignatureV4 signatures;
    private final Regions regions;
    private final RequestLimits limits;
    private final CallerTokens tokens;
    private final EbsRelay relay;
    private final MeterRegistry metrics;
    private final String snapshotService;
    private final long maxBodyBytes;
    private final RequestCounts counts;

    public EbsEndpoint(AccessKeys keys, Regions regions, RequestLimits limits, CallerTokens tokens, EbsRelay relay,
            MeterRegistry metrics, RequestCounts counts, @ConfigProperty(name = "gateway.services.snapshot") URI snapshotService,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBodySize) {
        this.signatures = new SignatureV4(keys::find, Clock.systemUTC());
        this.regions = regions;
        this.limits = limits;
        this.tokens = tokens;
        this.relay = relay;
        this.metrics = metrics;
        this.counts = counts;
        this.snapshotService = snapshotService.toString().replaceAll("/+$", "");
        this.maxBodyBytes = maxBodySize.asLongValue();
    }

    /** Whether a path is EBS direct's, so that whatever refuses it (the HTTP layer too) answers in EBS's shape. */
    public static boolean serves(String path) {
        return EbsOperation.isEbsPath(path);
    }

    void route(@Observes Router router) {
        router.routeWithRegex("/snapshots(/.*)?").handler(this::serve).failureHandler(this::failed);
    }

    private void serve(RoutingContext context) {
        HttpServerRequest http = context.request();
        String requestId = RequestIds.next();
        // Matched on the path as sent (the router matched its normalised form): that is what is signed and sent on.
        EbsOperation operation = EbsOperation.of(http.method(), http.path());
        if (operation == null) {
            refuse(context.response(), "other", EbsRefusal.unknownOperation(http.method().name(), http.path()), requestId);
        } else if (operation == EbsOperation.PUT_SNAPSHOT_BLOCK) {
            // Paused until it is passed on: the block is read as it is sent, never here whole.
            Pipe<Buffer> block = http.pipe();
            try {
                run(context, operation, null, block, requestId);
            } catch (RuntimeException e) {
                block.close();
                failed(context.response(), operation.action(), e, requestId);
            }
        } else if (http.method().equals(HttpMethod.POST)) {
            RequestBody.read(context, maxBodyBytes).onComplete(read -> {
                if (read.failed()) {
                    refuse(context.response(), operation.action(), read.cause() instanceof AwsError refusal ? refusal
                            : HttpRefusals.unreadable(), requestId);
                    return;
                }
                try {
                    run(context, operation, read.result(), null, requestId);
                } catch (RuntimeException e) {
                    failed(context.response(), operation.action(), e, requestId);
                }
            });
        } else {
            try {
                run(context, operation, RequestBody.NONE, null, requestId);
            } catch (RuntimeException e) {
                failed(context.response(), operation.action(), e, requestId);
            }
        }
    }

    /** Verifies, admits and sends on a request; throws what to refuse it with. */
    private void run(RoutingContext context, EbsOperation operation, byte[] body, Pipe<Buffer> streamed, String requestId) {
        HttpServerRequest http = context.request();
        SignedRequest request = new SignedRequest(http.method().name(), http.path(), http.query(), SignedRequest.headers(http.headers()), body);
        SignatureV4.Claim claim = SignatureV4.claim(request);
        Caller caller = signatures.verifyFor("ebs", request, claim, streamed == null ? null : vouchedHash(request));
        EbsRelay.Outbound outbound;
        String unreachable;
        String pathAndQuery = http.path() + (http.query() == null || http.query().isEmpty() ? "" : "?" + http.query());
        Buffer sent = body == null || body.length == 0 ? null : Buffer.buffer(body);
        if (!regions.isOwn(caller.region())) {
            outbound = passOn(caller.region(), request, pathAndQuery, sent, streamed);
            unreachable = "The gateway of " + caller.region();
            metrics.counter("imageregistry_gateway_forwarded_total", "region", caller.region()).increment();
        } else {
            if (!limits.admits(caller.account(), operation.action())) {
                throw EbsRefusal.throttled();
            }
            MultiMap headers = MultiMap.caseInsensitiveMultiMap();
            http.headers().forEach(header -> {
                String name = header.getKey().toLowerCase();
                if (name.startsWith("x-amz-") || name.equals("content-type")
                        || (streamed != null && name.equals("content-length"))) {
                    headers.add(header.getKey(), header.getValue());
                }
            });
            headers.set(HttpHeaders.AUTHORIZATION, tokens.authorization(caller.account()));
            outbound = new EbsRelay.Outbound(snapshotService + pathAndQuery, http.method(), headers, sent, streamed);
            unreachable = "The Region's snapshot-service";
        }
        if (streamed != null && http.version() != HttpVersion.HTTP_1_0
                && "100-continue".equalsIgnoreCase(http.getHeader(HttpHeaders.EXPECT))) {
            context.response().writeContinue(); // the block is wanted now
        }
        HttpServerResponse response = context.response();
        relay.relay(outbound, response, requestId, unreachable).onComplete(done -> {
            if (done.succeeded()) {
                count(operation.action(), done.result());
            } else {
                if (streamed != null) {
                    streamed.close(); // what is left of the block is read and dropped, so the connection can go on
                }
                failed(response, operation.action(), done.cause(), requestId);
            }
        });
    }

    /** Another Region's request, to its gateway as it came (its Host and signature too): that gateway verifies it again. */
    private EbsRelay.Outbound passOn(String region, SignedRequest request, String pathAndQuery, Buffer body,
            Pipe<Buffer> streamed) {
        URI gateway = regions.gatewayOf(region);
        if (gateway == null) {
            throw new EbsRefusal(403, "InvalidSignatureException", "Credential should be scoped to a valid region: "
                    + region + " is not a Region of this image registry.", null);
        }
        if (request.header(RegionForwarding.FORWARDED_HEADER) != null) {
            throw new EbsRefusal(400, "ValidationException", "This gateway serves " + regions.own()
                    + " and was passed a request for " + region + " by another gateway; check gateway.regions.",
                    "INVALID_PARAMETER_VALUE");
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        request.headers().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name) || (streamed != null && name.equals("content-length"))) {
                values.forEach(value -> headers.add(name, value));
            }
        });
        headers.add(RegionForwarding.FORWARDED_HEADER, regions.own());
        return new EbsRelay.Outbound(gateway.toString().replaceAll("/+$", "") + pathAndQuery,
                HttpMethod.valueOf(request.method()), headers, body, streamed);
    }

    /**
     * The hash a streamed block is vouched to have: the SHA-256 its {@code x-amz-Checksum} names (base64, as the model
     * has it; SHA256 is the only algorithm). It stands in for the body's hash in the signature — a signed
     * {@code x-amz-content-sha256} must equal it, and a body hash signed without that header (botocore's way over
     * plain HTTP for every other operation) is checked against it — because the body is not read here: the
     * snapshot-service computes the block's SHA-256 and refuses it (ValidationException) unless it is the one
     * {@code x-amz-Checksum} names, before it stores anything. So a body that is not the one the client signed is
     * never stored, while the gateway never holds a block. {@code UNSIGNED-PAYLOAD} (what botocore and the aws CLI send
     * for PutSnapshotBlock, {@code v4-unsigned-body} in the model) needs none of this: as in AWS, the block is then
     * covered by its checksum alone, which the signature covers.
     */
    static String vouchedHash(SignedRequest request) {
        String checksum = request.header("x-amz-checksum");
        String algorithm = request.header("x-amz-checksum-algorithm");
        if (checksum == null || (algorithm != null && !algorithm.trim().equals("SHA256"))) {
            return null;
        }
        try {
            byte[] digest = Base64.getDecoder().decode(checksum.trim());
            return digest.length == 32 ? HEX.formatHex(digest) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A failure before any of the answer was written: a refusal as it is, anything else a logged 500. */
    private void failed(HttpServerResponse response, String action, Throwable failure, String requestId) {
        if (failure instanceof AwsError refusal) {
            refuse(response, action, refusal, requestId);
            return;
        }
        LOG.errorf(failure, "request %s (%s) failed", requestId, action);
        refuse(response, action, EbsRefusal.internal(), requestId);
    }

    /** Whatever failed inside the route itself (Vert.x' own refusal of a body, a bug): never an empty answer. */
    private void failed(RoutingContext context) {
        String requestId = RequestIds.next();
        int status = context.statusCode();
        AwsError refusal = status == 413 ? HttpRefusals.tooLarge(maxBodyBytes)
                : status >= 400 && status < 500 ? HttpRefusals.unreadable() : null;
        if (refusal == null) {
            LOG.errorf(context.failure(), "request %s failed", requestId);
            refusal = EbsRefusal.internal();
        }
        refuse(context.response(), "other", refusal, requestId);
    }

    private void refuse(HttpServerResponse response, String action, AwsError refusal, String requestId) {
        if (response.headWritten()) {
            response.reset(); // part of an answer is out already: only cutting the connection tells the client
            return;
        }
        count(action, refusal.status());
        EbsRefusal.send(response, refusal, requestId);
    }

    private void count(String action, int status) {
        counts.count(action, status);
    }

}
