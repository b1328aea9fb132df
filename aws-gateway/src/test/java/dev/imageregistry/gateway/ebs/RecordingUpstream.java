package dev.imageregistry.gateway.ebs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server in the test JVM, where the gateway sends what it passes on (the snapshot-service's address, or
 * another Region's gateway's): it records each request exactly as it arrived — method, URI as sent, headers, body, and
 * how much of the body has arrived so far, while it arrives — and answers it as the test says, as the
 * snapshot-service would (the EBS wire's status, {@code x-amz-*} and {@code x-amzn-ErrorType} headers and JSON).
 * It is the upstream of the thing under test, not a stand-in for a component of it.
 */
final class RecordingUpstream implements AutoCloseable {
    /** A request as it arrived. Header names in lower case. */
    record Received(String method, String uri, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.get(0);
        }
    }

    /** What to answer. */
    record Reply(int status, Map<String, String> headers, byte[] body) {
    }

    private final HttpServer server;
    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    /** Bytes of request bodies read so far, counted as they arrive. */
    final AtomicLong bodyBytesArrived = new AtomicLong();
    volatile Function<Received, Reply> answer = r -> new Reply(200, Map.of("Content-Type", "application/json"),
            "{}".getBytes());

    RecordingUpstream(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "recording-upstream");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** Forgets what was received, and answers as at the start. */
    void reset() {
        received.clear();
        bodyBytesArrived.set(0);
        answer = r -> new Reply(200, Map.of("Content-Type", "application/json"), "{}".getBytes());
    }

    /** The one request received since the last reset. */
    Received only() {
        if (received.size() != 1) {
            throw new AssertionError("expected one request, received " + received.size());
        }
        return received.peek();
    }

    private void handle(HttpExchange exchange) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = exchange.getRequestBody()) {
            byte[] chunk = new byte[16 * 1024];
            for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                body.write(chunk, 0, n);
                bodyBytesArrived.addAndGet(n);
            }
        }
        Map<String, List<String>> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), List.copyOf(values)));
        Received request = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()),
                headers, body.toByteArray());
        received.add(request);
        Reply reply = answer.apply(request);
        reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(reply.body());
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
