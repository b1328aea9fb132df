package dev.imageregistry.gateway.services;

import java.net.ConnectException;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import dev.imageregistry.gateway.wire.AwsError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

/**
 * Calls the Region's services on their JSON APIs (the internal contract) as the verified account, over pooled
 * keep-alive HTTP/1.1 connections. A service's EC2-shaped refusal becomes the same refusal on the AWS wire; a lost
 * optimistic-concurrency race (409) becomes a 503, which every SDK's standard retry policy retries (nothing was
 * written, so a retry is safe); an unreachable service is a 503 too.
 *
 * <p>Called on the event loop that serves the request: the call is sent and its answer read there, and the returned
 * future completes there, so no thread waits for a service. Each handler of the answer is attached on that loop
 * before the answer can arrive (from a worker thread, a body could arrive before its handler; Vert.x drops a body
 * nobody listens to, and an empty 200 was the result).
 */
@ApplicationScoped
public class RegionServices {
    private static final Logger LOG = Logger.getLogger(RegionServices.class);
    private static final long TIMEOUT_MILLIS = 60_000;
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    /** Where a service listens, taken apart once: nothing parses a URL or an address per call. */
    private record Target(String host, int port, boolean ssl, String basePath, SocketAddress server, URI base) {
        static Target of(URI base) {
            boolean ssl = "https".equalsIgnoreCase(base.getScheme());
            int port = base.getPort() > 0 ? base.getPort() : ssl ? 443 : 80;
            String path = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
            String host = base.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1); // an IPv6 literal, which the client takes bare
            }
            return new Target(host, port, ssl, path, SocketAddress.inetSocketAddress(port, host), base);
        }
    }

    private final Map<Service, Target> targets = new EnumMap<>(Service.class);
    private final HttpClient http;
    private final CallerTokens tokens;
    private final ObjectMapper json;

    public RegionServices(Vertx vertx, CallerTokens tokens, ObjectMapper json,
            @ConfigProperty(name = "gateway.services.registry") URI registry,
            @ConfigProperty(name = "gateway.services.snapshot") URI snapshot,
            @ConfigProperty(name = "gateway.services.launch") URI launch,
            @ConfigProperty(name = "gateway.services.replicator") URI replicator,
            @ConfigProperty(name = "gateway.services.connections", defaultValue = "64") int connections) {
        this.tokens = tokens;
        this.json = json;
        targets.put(Service.REGISTRY, Target.of(registry));
        targets.put(Service.SNAPSHOT, Target.of(snapshot));
        targets.put(Service.LAUNCH, Target.of(launch));
        targets.put(Service.REPLICATOR, Target.of(replicator));
        this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setMaxPoolSize(connections).setConnectTimeout(5_000));
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** An answer of a service: its status and JSON body. */
    public record Answer(int status, JsonNode body) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    /** Calls a service; its answer's body, or its refusal in AWS's terms. */
    public Future<JsonNode> call(Service service, HttpMethod method, String pathAndQuery, JsonNode body, String account) {
        return send(service, method, pathAndQuery, body, account).map(answer -> {
            if (!answer.ok()) {
                throw refusal(service, answer);
            }
            return answer.body();
        });
    }

    /** Calls a service; its answer whatever its status, or 503 Unavailable when there is none. */
    public Future<Answer> send(Service service, HttpMethod method, String pathAndQuery, JsonNode body, String account) {
        Target target = targets.get(service);
        // The connect timeout bounds the wait for a pooled connection, the idle timeout the wait for the answer.
        RequestOptions options = new RequestOptions().setMethod(method).setServer(target.server())
                .setHost(target.host()).setPort(target.port()).setSsl(target.ssl()).setURI(target.basePath() + pathAndQuery)
                .setConnectTimeout(TIMEOUT_MILLIS).setIdleTimeout(TIMEOUT_MILLIS)
                .putHeader(HttpHeaders.AUTHORIZATION, tokens.authorization(account)).putHeader(HttpHeaders.ACCEPT, JSON);
        Buffer payload = null;
        if (body != null) {
            options.putHeader(HttpHeaders.CONTENT_TYPE, JSON);
            try {
                payload = Buffer.buffer(Unpooled.wrappedBuffer(json.writeValueAsBytes(body)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        Buffer sent = payload;
        return http.request(options)
                .compose(request -> sent == null ? request.send() : request.send(sent))
                .compose(response -> response.body().map(b -> new Answer(response.statusCode(), parse(b))))
                .transform(done -> {
                    if (done.failed()) {
                        return Future.failedFuture(unreachable(service, target, done.cause()));
                    }
                    Answer received = done.result();
                    if (received.ok() && received.body().isMissingNode()) {
                        // Every JSON call of the services answers with a body: none means the answer was lost on the way.
                        LOG.errorf("%s answered %d without a body to %s %s", service.displayName(), received.status(),
                                method, pathAndQuery);
                        return Future.failedFuture(new AwsError(503, "Unavailable", "The Region's "
                                + service.displayName() + " gave no answer; try again."));
                    }
                    return Future.succeededFuture(received);
                });
    }

    private static AwsError unreachable(Service service, Target target, Throwable cause) {
        if (cause instanceof TimeoutException) {
            return new AwsError(503, "Unavailable", "The Region's " + service.displayName() + " did not answer in time.");
        }
        LOG.warnf("%s at %s is not reachable: %s", service.displayName(), target.base(), cause);
        return new AwsError(503, "Unavailable", "The Region's " + service.displayName() + " is not reachable"
                + (cause instanceof ConnectException ? "" : " (" + cause.getClass().getSimpleName() + ")") + "; try again.");
    }

    private JsonNode parse(Buffer body) {
        if (body == null || body.length() == 0) {
            return MissingNode.getInstance();
        }
        try {
            ByteBuf bytes = body.getByteBuf();
            // Read where the bytes are (a heap buffer's array), not from a copy of them.
            return bytes.hasArray() ? json.readTree(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(),
                    bytes.readableBytes()) : json.readTree(body.getBytes());
        } catch (java.io.IOException e) {
            return MissingNode.getInstance();
        }
    }

    /** A service's refusal in AWS's terms. */
    public static AwsError refusal(Service service, Answer answer) {
        JsonNode error = answer.body().path("Errors").path(0);
        String code = error.path("Code").asText("");
        String message = error.path("Message").asText("");
        if (answer.status() == 409 && "ConcurrentModification".equals(code)) {
            return new AwsError(503, code, message + " (retried by the SDKs: nothing was changed)");
        }
        if (answer.status() == 401 || answer.status() == 403 && "AuthFailure".equals(code)) {
            LOG.errorf("%s refused the gateway's bearer token (%s: %s): is the gateway's signing key the one the services trust?",
                    service.displayName(), code, message);
            return new AwsError(500, "InternalError", "We encountered an internal error. Please try again.");
        }
        if (answer.status() >= 500 || code.isEmpty()) {
            LOG.errorf("%s answered %d %s", service.displayName(), answer.status(), answer.body());
            return new AwsError(answer.status() >= 500 ? 503 : 500, answer.status() >= 500 ? "Unavailable" : "InternalError",
                    "The Region's " + service.displayName() + " could not answer; try again.");
        }
        return new AwsError(answer.status(), code, message);
    }
}
