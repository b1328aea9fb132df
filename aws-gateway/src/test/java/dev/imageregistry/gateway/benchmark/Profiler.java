package dev.imageregistry.gateway.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * With {@code -Dbenchmark.profile=true}: a JDK Flight Recorder recording (the JDK's "profile" settings, with Java
 * execution samples every 2 ms: {@code benchmark.profile.period}) of one measured gateway phase, kept as
 * {@code target/gateway-<phase>.jfr} for {@code jfr print}/JMC, and summarised from the samples of the gateway's
 * request threads ({@link Cpu#isGatewayThread}): the methods on top of the stack (self) and the methods anywhere on
 * it (inclusive), as shares of those samples. Deep stacks are cut at JFR's stack depth (64 frames by default; raise
 * it with {@code -DargLine=-XX:FlightRecorderOptions:stackdepth=256}), which undercounts the outermost frames only.
 */
final class Profiler {
    static final boolean ENABLED = Boolean.getBoolean("benchmark.profile");
    private static final int TOP = Integer.getInteger("benchmark.profile.top", 25);
    private static final int SAMPLE_MILLIS = Integer.getInteger("benchmark.profile.period", 2);

    private final String phase;
    private final Recording recording;

    private Profiler(String phase, Recording recording) {
        this.phase = phase;
        this.recording = recording;
    }

    static Profiler start(String phase) {
        if (!ENABLED) {
            return new Profiler(phase, null);
        }
        try {
            Recording recording = new Recording(Configuration.getConfiguration("profile"));
            // More samples than the profile's 10 ms: JFR takes a few threads per period, and the phases are short.
            recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(SAMPLE_MILLIS));
            recording.setName("gateway-" + phase);
            recording.start();
            return new Profiler(phase, recording);
        } catch (IOException | ParseException e) {
            throw new IllegalStateException("cannot start JFR", e);
        }
    }

    void stopAndSummarise(Consumer<String> line) {
        if (recording == null) {
            return;
        }
        recording.stop();
        Path file = Path.of("target", "gateway-" + phase + ".jfr").toAbsolutePath();
        try {
            recording.dump(file);
            recording.close();
            summarise(phase, file, line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Where a sample of the gateway's threads is: the first of these rules, in this order, that any frame of its stack
     * matches. The gateway's own steps come first (a JSON parser under RegionServices.parse is the parse), then the
     * machinery around them: Quarkus REST, the HTTP client (any frame of it), the HTTP server, hand-offs, Netty.
     */
    private static final String[][] CATEGORIES = {
        {"SigV4 verification (SignatureV4.verify)", "dev.imageregistry.gateway.signature.SignatureV4.verify"},
        {"signature claim read for routing (SignatureV4.claim)", "dev.imageregistry.gateway.signature.SignatureV4.claim"},
        {"answer written as XML (XmlAnswer)", "dev.imageregistry.gateway.wire.XmlAnswer"},
        {"registry's JSON answer read (RegionServices.parse)", "dev.imageregistry.gateway.services.RegionServices.parse"},
        {"image turned into EC2's members (ImageCatalogue.asEc2)", "dev.imageregistry.gateway.images.ImageCatalogue.asEc2"},
        {"parameters read (QueryParameters.decode, Ec2Action.read)", "dev.imageregistry.gateway.wire.QueryParameters.decode",
                "dev.imageregistry.gateway.ec2.Ec2Action.read"},
        {"metrics (AwsEndpoint.count's counter; Micrometer, also Quarkus' HTTP server metrics)",
                "dev.imageregistry.gateway.ec2.AwsEndpoint.count", "io.micrometer"},
        {"registry call set up (RegionServices.send: token, RequestOptions, HttpClient.request)",
                "dev.imageregistry.gateway.services.RegionServices"},
        {"request body read (RequestBody)", "dev.imageregistry.gateway.ec2.RequestBody"},
        {"rest of AwsEndpoint (headers copied, request ID, answer written)", "dev.imageregistry.gateway.ec2.AwsEndpoint"},
        {"Quarkus REST (routing, body read, response write; none since the endpoint is a Vert.x route)",
                "org.jboss.resteasy.reactive", "io.quarkus.resteasy.reactive"},
        {"HTTP client side, gateway to registry (Vert.x Http1xClientConnection, pool, codec)",
                "io.vertx.core.http.impl.Http1xClientConnection", "io.netty.handler.codec.http.HttpClientCodec",
                "io.vertx.core.http.impl.HttpClientRequestImpl", "io.vertx.core.http.impl.HttpClientResponseImpl",
                "io.vertx.core.http.impl.HttpClientImpl", "io.vertx.core.http.impl.SharedClientHttpStreamEndpoint",
                "io.vertx.core.net.impl.pool"},
        {"HTTP server side, client to gateway (Vert.x Http1xServerConnection, codec, Quarkus HTTP, Vert.x Web)",
                "io.vertx.core.http.impl.Http1xServerConnection", "io.netty.handler.codec.http.HttpServerCodec",
                "io.vertx.core.http.impl.Http1xServerRequest", "io.vertx.core.http.impl.Http1xServerResponse",
                "io.quarkus.vertx.http", "io.vertx.ext.web"},
        {"thread hand-offs and futures (Vert.x contexts, jboss-threads worker pool)", "io.vertx.core.impl",
                "io.vertx.core.Future", "org.jboss.threads", "java.util.concurrent.CompletableFuture",
                "java.util.concurrent.locks"},
        {"Netty event loop, buffers, socket I/O", "io.netty", "sun.nio.ch"},
    };

    /** The summary of a recording made here or of another process's (the packaged gateway's, by jcmd). */
    static void summarise(String phase, Path file, Consumer<String> line) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> own = new HashMap<>();
        Map<String, Integer> categories = new java.util.LinkedHashMap<>();
        for (String[] category : CATEGORIES) {
            categories.put(category[0], 0);
        }
        categories.put("other", 0);
        int samples = 0;
        int otherThreads = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            String thread = event.getThread("sampledThread") == null ? "" : event.getThread("sampledThread").getJavaName();
            RecordedStackTrace stack = event.getStackTrace();
            if (thread == null || !Cpu.isGatewayThread(thread) || stack == null || stack.getFrames().isEmpty()) {
                otherThreads++;
                continue;
            }
            samples++;
            List<RecordedFrame> frames = stack.getFrames();
            self.merge(method(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            List<String> methods = new java.util.ArrayList<>();
            for (RecordedFrame frame : frames) {
                String method = method(frame);
                methods.add(method);
                if (method.startsWith("dev.imageregistry.gateway.") && seen.add(method)) {
                    own.merge(method, 1, Integer::sum);
                }
            }
            categories.merge(category(methods), 1, Integer::sum);
        }
        line.accept(String.format("profile of %s (%s): %d execution samples on the gateway's threads, %d on other threads",
                phase, file.getFileName(), samples, otherThreads));
        line.accept("  the gateway's threads' samples by step (first match from the top):");
        int total = samples;
        categories.forEach((name, count) -> line.accept(String.format("    %5.1f%%  %s", 100.0 * count / Math.max(1, total),
                name)));
        print("the gateway's own methods, inclusive (anywhere on the stack)", own, samples, line);
        print("self (top of stack), by method", self, samples, line);
    }

    private static String category(List<String> methods) {
        for (String[] category : CATEGORIES) {
            for (int i = 1; i < category.length; i++) {
                for (String method : methods) {
                    if (method.startsWith(category[i])) {
                        return category[0];
                    }
                }
            }
        }
        return "other";
    }

    private static void print(String title, Map<String, Integer> counts, int samples, Consumer<String> line) {
        line.accept("  " + title + ":");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(TOP)
                .forEach(e -> line.accept(String.format("    %5.1f%%  %s", 100.0 * e.getValue() / Math.max(1, samples),
                        e.getKey())));
    }

    private static String method(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

}
