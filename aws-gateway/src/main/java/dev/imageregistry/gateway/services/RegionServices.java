package dev.imageregistry.gateway.services;

import java.net.ConnectException;
import java.net.URI;
import java.util.EnumMap;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import dev.imageregistry.gateway.wire.AwsError;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Calls the Region's services on their JSON APIs (the internal contract) as the verified account, over pooled
 * keep-alive HTTP/1.1 connections. A service's EC2-shaped refusal becomes the same refusal on the AWS wire; a lost
 * optimistic-concurrency race (409) becomes a 503, which every SDK's standard retry policy retries (nothing was
 * written, so a retry is safe); an unreachable service is a 503 too.
 */
@ApplicationScoped
public class RegionServices {
    private static final Logger LOG = Logger.getLogger(RegionServices.class);
    private static final long TIMEOUT_SECONDS = 60;

    private final Map<Service, URI> bases = new EnumMap<>(Service.class);
    private final Vertx vertx;
    private final HttpClient http;
    private final CallerTokens tokens;
    private final ObjectMapper json;

    public RegionServices(Vertx vertx, CallerTokens tokens, ObjectMapper json,
            @ConfigProperty(name = "gateway.services.registry") URI registry,
            @ConfigProperty(name = "gateway.services.snapshot") URI snapshot,
            @ConfigProperty(name = "gateway.services.launch") URI launch,
            @ConfigProperty(name = "gateway.services.replicator") URI replicator,
            @ConfigProperty(name = "gateway.services.connections", defaultValue = "64") int connections) {
        this.vertx = vertx;
        this.tokens = tokens;
        this.json = json;
        bases.put(Service.REGISTRY, registry);
        bases.put(Service.SNAPSHOT, snapshot);
        bases.put(Service.LAUNCH, launch);
        bases.put(Service.REPLICATOR, replicator);
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

    /** Calls a service and returns its answer's body, or throws its refusal in AWS's terms. */
    public JsonNode call(Service service, HttpMethod method, String pathAndQuery, JsonNode body, String account) {
        Answer answer = send(service, method, pathAndQuery, body, account);
        if (!answer.ok()) {
            throw refusal(service, answer);
        }
        return answer.body();
    }

    public Answer send(Service service, HttpMethod method, String pathAndQuery, JsonNode body, String account) {
        URI base = bases.get(service);
        RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(base.toString() + pathAndQuery)
                .putHeader("Authorization", "Bearer " + tokens.forAccount(account)).putHeader("Accept", "application/json");
        byte[] bytes = null;
        if (body != null) {
            options.putHeader("Content-Type", "application/json");
            try {
                bytes = json.writeValueAsBytes(body);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        Buffer payload = bytes == null ? null : Buffer.buffer(bytes);
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        // The whole exchange is set up on an event loop: built from this worker thread, a handler could be attached
        // after the answer's body had arrived, and Vert.x drops a body nobody listens to (an empty 200 was the result,
        // about once in 10,000 calls under load).
        vertx.runOnContext(ignored -> http.request(options)
                .compose(request -> payload == null ? request.send() : request.send(payload))
                .compose(response -> response.body().map(b -> new Answer(response.statusCode(), parse(b))))
                .onComplete(done -> {
                    if (done.succeeded()) {
                        answer.complete(done.result());
                    } else {
                        answer.completeExceptionally(done.cause());
                    }
                }));
        try {
            Answer received = answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (received.ok() && received.body().isMissingNode()) {
                // Every JSON call of the services answers with a body: none means the answer was lost on the way.
                LOG.errorf("%s answered %d without a body to %s %s", service.displayName(), received.status(), method, pathAndQuery);
                throw new AwsError(503, "Unavailable", "The Region's " + service.displayName() + " gave no answer; try again.");
            }
            return received;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            LOG.warnf("%s at %s is not reachable: %s", service.displayName(), base, cause);
            throw new AwsError(503, "Unavailable", "The Region's " + service.displayName() + " is not reachable"
                    + (cause instanceof ConnectException ? "" : " (" + cause.getClass().getSimpleName() + ")") + "; try again.");
        } catch (TimeoutException e) {
            throw new AwsError(503, "Unavailable", "The Region's " + service.displayName() + " did not answer in time.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AwsError(503, "Unavailable", "Interrupted while waiting for " + service.displayName() + ".");
        }
    }

    private JsonNode parse(Buffer body) {
        if (body == null || body.length() == 0) {
            return MissingNode.getInstance();
        }
        try {
            return json.readTree(body.getBytes());
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
