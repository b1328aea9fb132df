package dev.imageregistry.gateway.regions;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.imageregistry.gateway.signature.SignedRequest;
import dev.imageregistry.gateway.wire.AwsError;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Passes a request signed for another Region to that Region's gateway as it came (method, path, query, headers
 * including {@code Host}, body), so the signature still verifies there, and hands its answer back unchanged. A
 * request that was already passed on once is never passed on again, so a misconfiguration cannot loop.
 */
@ApplicationScoped
public class RegionForwarding {
    public static final String FORWARDED_HEADER = "x-imageregistry-forwarded-from";
    private static final Logger LOG = Logger.getLogger(RegionForwarding.class);
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "te",
            "upgrade", "proxy-authorization", "proxy-connection", "content-length");
    private static final long TIMEOUT_MILLIS = 120_000;

    private final HttpClient http;
    private final Regions regions;

    public RegionForwarding(Vertx vertx, Regions regions) {
        this.regions = regions;
        this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setMaxPoolSize(32).setConnectTimeout(5_000).setSsl(false));
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** An answer as another Region's gateway gave it. */
    public record Forwarded(int status, MultiMap headers, byte[] body) {
    }

    /**
     * The other Region's answer, on the event loop that serves the request; a request passed on once already is
     * refused at once, an unreachable gateway is {@code 503 Unavailable}.
     */
    public Future<Forwarded> forward(String region, SignedRequest request) {
        if (request.header(FORWARDED_HEADER) != null) {
            throw new AwsError(400, "InvalidParameterValue", "This gateway serves " + regions.own()
                    + " and was passed a request for " + region + " by another gateway; check gateway.regions.");
        }
        URI target = regions.gatewayOf(region);
        String uri = target.toString().replaceAll("/$", "") + request.rawPath()
                + (request.rawQuery() == null || request.rawQuery().isEmpty() ? "" : "?" + request.rawQuery());
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(request.method())).setAbsoluteURI(uri)
                .setConnectTimeout(TIMEOUT_MILLIS).setIdleTimeout(TIMEOUT_MILLIS);
        for (Map.Entry<String, List<String>> header : request.headers().entrySet()) {
            if (!HOP_BY_HOP.contains(header.getKey())) {
                header.getValue().forEach(value -> options.addHeader(header.getKey(), value));
            }
        }
        options.addHeader(FORWARDED_HEADER, regions.own());
        // Sent from the event loop that serves the request, so the answer's body has its handler before it can arrive.
        return http.request(options)
                .compose(req -> req.send(Buffer.buffer(Unpooled.wrappedBuffer(request.body()))))
                .compose(resp -> resp.body().map(b -> new Forwarded(resp.statusCode(), resp.headers(), b.getBytes())))
                .recover(e -> {
                    LOG.warnf("the gateway of %s at %s is not reachable: %s", region, target, e.toString());
                    return Future.failedFuture(new AwsError(503, "Unavailable", "The gateway of " + region
                            + " is not reachable; try again."));
                });
    }
}
