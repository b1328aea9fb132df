package dev.imageregistry.gateway.ebs;

import java.util.Map;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.Pipe;

/**
 * Sends an EBS request on (to the snapshot-service, or to another Region's gateway) and relays the answer back as
 * it comes: the status, the {@code x-amz-*} and {@code x-amzn-*} headers (the model's answer headers,
 * {@code x-amzn-ErrorType}, {@code x-amzn-RequestId}), the content type and the body. Both bodies stream: a block of
 * 512 KiB goes through in the chunks it arrives in, with the HTTP client's and server's back-pressure between the
 * two connections ({@link Pipe}), and is never held whole here.
 *
 * <p>Everything happens on the event loop that serves the request. The future fails only before anything of the
 * answer was written (then the caller refuses in EBS's shape); once the answer's head is out, a failure can only cut
 * the connection, which every SDK sees as a failed request and retries.
 */
@ApplicationScoped
public class EbsRelay {
    private static final Logger LOG = Logger.getLogger(EbsRelay.class);
    private static final long TIMEOUT_MILLIS = 60_000;
    private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-amzn-RequestId");

    private final HttpClient http;

    public EbsRelay(Vertx vertx, @ConfigProperty(name = "gateway.services.connections", defaultValue = "64") int connections) {
        // Chunks of 64 KiB, as the server's (quarkus.http.limits.max-chunk-size): a block read by GetSnapshotBlock is
        // relayed in 8 writes, not 64.
        this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setMaxPoolSize(connections).setConnectTimeout(5_000).setMaxChunkSize(65_536));
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** What is sent on: where, with which headers, and the body — read already, streamed from the client, or none. */
    record Outbound(String absoluteUri, io.vertx.core.http.HttpMethod method, MultiMap headers, Buffer body,
            Pipe<Buffer> streamed) {
    }

    /**
     * Sends the request and relays the answer into {@code response}; the future has the status relayed, or fails
     * with {@code 503 InternalServerException} ({@code unreachable} says what could not be reached) when no answer
     * came.
     */
    Future<Integer> relay(Outbound outbound, HttpServerResponse response, String requestId, String unreachable) {
        RequestOptions options = new RequestOptions().setMethod(outbound.method()).setAbsoluteURI(outbound.absoluteUri())
                .setConnectTimeout(TIMEOUT_MILLIS).setIdleTimeout(TIMEOUT_MILLIS).setHeaders(outbound.headers());
        Promise<Integer> relayed = Promise.promise();
        http.request(options).onComplete(opened -> {
            if (opened.failed()) {
                if (outbound.streamed() != null) {
                    outbound.streamed().close(); // the client's body is let go (read and dropped), the refusal answered
                }
                relayed.fail(unavailable(unreachable, outbound, opened.cause()));
                return;
            }
            HttpClientRequest out = opened.result();
            // A client that goes away while its request is on the way: the request on is given up too.
            response.closeHandler(closed -> out.reset());
            out.response().onComplete(answered -> {
                if (answered.failed()) {
                    relayed.tryFail(unavailable(unreachable, outbound, answered.cause()));
                } else {
                    relayAnswer(answered.result(), response, requestId, relayed);
                }
            });
            if (outbound.streamed() != null) {
                if (!out.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
                    out.setChunked(true);
                }
                // endOnFailure(false): a body cut short on the client's side must not end the request on as if whole.
                outbound.streamed().endOnFailure(false).to(out).onFailure(e -> out.reset());
            } else if (outbound.body() != null) {
                out.end(outbound.body());
            } else {
                out.end();
            }
        });
        return relayed.future();
    }

    private static void relayAnswer(HttpClientResponse answer, HttpServerResponse response, String requestId,
            Promise<Integer> relayed) {
        if (response.closed() || response.ended()) {
            answer.request().reset();
            relayed.tryComplete(answer.statusCode());
            return;
        }
        response.setStatusCode(answer.statusCode());
        for (Map.Entry<String, String> header : answer.headers()) {
            String name = header.getKey().toLowerCase();
            if (name.startsWith("x-amz") || name.equals("content-type") || name.equals("content-length")) {
                response.headers().add(header.getKey(), header.getValue());
            }
        }
        if (!response.headers().contains(REQUEST_ID)) {
            response.putHeader(REQUEST_ID, requestId);
        }
        if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
            response.setChunked(true);
        }
        answer.pipe().endOnFailure(false).to(response).onComplete(done -> {
            if (done.failed()) {
                // The head is out: all that is left is to cut the connection, so the client does not take a part for all.
                LOG.debugf("the answer to request %s was cut short: %s", requestId, done.cause());
                response.reset();
            }
            relayed.tryComplete(answer.statusCode());
        });
    }

    private static EbsRefusal unavailable(String unreachable, Outbound outbound, Throwable cause) {
        if (cause instanceof TimeoutException) {
            return EbsRefusal.unavailable(unreachable + " did not answer in time");
        }
        LOG.warnf("%s %s: %s is not reachable: %s", outbound.method(), outbound.absoluteUri(), unreachable, cause.toString());
        return EbsRefusal.unavailable(unreachable + " is not reachable");
    }
}
