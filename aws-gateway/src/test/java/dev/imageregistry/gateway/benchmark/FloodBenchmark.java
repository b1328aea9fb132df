package dev.imageregistry.gateway.benchmark;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.imageregistry.infra.testing.TopicTap;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * What one account's flood does to another account's latency at the AWS endpoint, with and without the per-account
 * request limits (not a timed test: it asserts nothing and is skipped unless asked for):
 *
 * <pre>./mvnw -B -q -o test -pl aws-gateway -Dtest=FloodBenchmark -Dbenchmark.flood=true</pre>
 *
 * A victim account sends DescribeImages of its own images at a steady rate (open loop: each request has its slot,
 * and its latency is counted from the slot, so a stall is not hidden by the client waiting for it), first alone, then
 * while another account floods the gateway with as many DescribeImages as its closed-loop clients can send. The
 * flooder is either an account with no limit (the raw baseline: the flood as it would be without limits) or one
 * with the default limits (100 describes per second after a burst of 200, the rest refused with
 * {@code RequestLimitExceeded}). The flooders do not back off, as an SDK would: they are the worst case.
 */
@QuarkusTest
@WithTestResource(BenchmarkRegion.class)
@EnabledIfSystemProperty(named = "benchmark.flood", matches = "true")
class FloodBenchmark {
    /** The victim's steady rate (requests per second) and each phase's length. */
    private static final int VICTIM_RATE = Integer.getInteger("benchmark.flood.victim-rate", 50);
    private static final int SECONDS = Integer.getInteger("benchmark.flood.seconds", 20);
    private static final int FLOODERS = Integer.getInteger("benchmark.flood.threads", 8);
    private static final int VICTIM_IMAGES = 200;

    @TestHTTPResource("/")
    URI gatewayUrl;
    @ConfigProperty(name = "benchmark.registry-url")
    String registryUrl;
    @ConfigProperty(name = "benchmark.kafka")
    String kafka;
    @ConfigProperty(name = "benchmark.victim-token")
    String victimToken;
    @ConfigProperty(name = "benchmark.victim.access-key-id")
    String victimKey;
    @ConfigProperty(name = "benchmark.victim.secret-access-key")
    String victimSecret;
    @ConfigProperty(name = "benchmark.flooder.access-key-id")
    String flooderKey;
    @ConfigProperty(name = "benchmark.flooder.secret-access-key")
    String flooderSecret;
    @ConfigProperty(name = "benchmark.free-flooder.access-key-id")
    String freeFlooderKey;
    @ConfigProperty(name = "benchmark.free-flooder.secret-access-key")
    String freeFlooderSecret;

    private final List<String> report = new ArrayList<>();

    @Test
    void flood() throws Exception {
        URI endpoint = URI.create("http://127.0.0.1:" + gatewayUrl.getPort() + "/");
        Clients.Gateway victim = new Clients.Gateway(endpoint, victimKey, victimSecret);
        Clients.Gateway flooder = new Clients.Gateway(endpoint, flooderKey, flooderSecret);
        Clients.Gateway freeFlooder = new Clients.Gateway(endpoint, freeFlooderKey, freeFlooderSecret);
        line("aws-gateway flood benchmark, %s: a victim account at a steady %d DescribeImages/s (open loop) for %d s per "
                + "phase, while another account floods with %d closed-loop clients; %d cores",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), VICTIM_RATE, SECONDS, FLOODERS, Cpu.cores());
        List<String> images = victimImages();
        // The flooders ask for the victim's images: each is a real query of the registry (answered "not found" for
        // an image the flooder may not see), the same work as the victim's own requests.
        line("warm-up: %s", phase("warm-up", victim, images, freeFlooder, SECONDS).summary());
        line("warm-up: %s", phase("warm-up", victim, images, flooder, SECONDS / 2).summary());
        Result alone = phase("victim alone", victim, images, null, SECONDS);
        Result free = phase("flood, no limit", victim, images, freeFlooder, SECONDS);
        Result limited = phase("flood, limited", victim, images, flooder, SECONDS);
        Result again = phase("alone, again", victim, images, null, SECONDS);
        for (Result result : List.of(alone, free, limited, again)) {
            line("%s", result.summary());
        }
        double baseline = (alone.p(0.99) + again.p(0.99)) / 2;
        line("=> the victim's p99: alone %.2f / %.2f ms, during a flood without limits %.2f ms (%.1fx), during a flood "
                + "limited to 100/s %.2f ms (%.1fx)", alone.p(0.99), again.p(0.99), free.p(0.99), free.p(0.99) / baseline,
                limited.p(0.99), limited.p(0.99) / baseline);
        Files.write(Path.of("target", "benchmark-flood.txt"), report);
    }

    /** The victim's own images, registered on the registry's JSON API (setup, not measured). */
    private List<String> victimImages() throws Exception {
        String snapshotId = "snap-" + GatewayBenchmark.hex(17);
        TopicTap.publish(kafka, "snapshot-events", snapshotId,
                GatewayBenchmark.snapshotCompleted(snapshotId, BenchmarkRegion.VICTIM));
        Clients.Direct direct = new Clients.Direct(registryUrl, victimToken);
        String run = GatewayBenchmark.hex(6);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> direct.registerAnswer("victim-probe-" + run, snapshotId).status() == 200);
        List<String> images = new ArrayList<>();
        for (int i = 0; i < VICTIM_IMAGES; i++) {
            images.add(direct.register("victim-" + run + "-" + i, snapshotId));
        }
        line("the victim registered %d images", images.size());
        return images;
    }

    private Result phase(String name, Clients.Gateway victim, List<String> images, Clients.Gateway flooder, int seconds)
            throws Exception {
        AtomicBoolean flooding = new AtomicBoolean(flooder != null);
        Map<Integer, LongAdder> floodAnswers = new ConcurrentHashMap<>();
        ExecutorService threads = Executors.newFixedThreadPool(FLOODERS + 1);
        try {
            List<Future<?>> floods = new ArrayList<>();
            for (int t = 0; flooder != null && t < FLOODERS; t++) {
                int offset = t;
                floods.add(threads.submit(() -> {
                    for (int i = offset; flooding.get(); i += FLOODERS) {
                        try {
                            int status = flooder.post(Clients.Gateway.describeForm(images.get(i % images.size()))).status();
                            floodAnswers.computeIfAbsent(status, k -> new LongAdder()).increment();
                        } catch (Exception e) {
                            floodAnswers.computeIfAbsent(-1, k -> new LongAdder()).increment();
                        }
                    }
                    return null;
                }));
            }
            int n = seconds * VICTIM_RATE;
            long[] latencies = new long[n];
            int wrong = 0;
            long interval = 1_000_000_000L / VICTIM_RATE;
            long start = System.nanoTime() + 200_000_000L; // the flood under way first
            for (int i = 0; i < n; i++) {
                long slot = start + i * interval;
                long wait = slot - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                try {
                    victim.describe(images.get(i % images.size()));
                } catch (Exception e) {
                    wrong++;
                }
                latencies[i] = System.nanoTime() - slot;
            }
            long elapsed = System.nanoTime() - start;
            flooding.set(false);
            for (Future<?> flood : floods) {
                flood.get();
            }
            return new Result(name, latencies, wrong, new TreeMap<>(floodAnswers), elapsed);
        } finally {
            threads.shutdownNow();
        }
    }

    private record Result(String name, long[] latencies, int wrong, Map<Integer, LongAdder> floodAnswers, long elapsed) {
        Result {
            latencies = latencies.clone();
            Arrays.sort(latencies);
        }

        double p(double q) {
            int n = latencies.length;
            return latencies[Math.min(n - 1, Math.max(0, (int) Math.ceil(q * n) - 1))] / 1e6;
        }

        String summary() {
            StringBuilder flood = new StringBuilder();
            floodAnswers.forEach((status, count) -> flood.append(flood.length() == 0 ? "" : ", ")
                    .append(String.format("%.0f/s %s", count.sum() / (elapsed / 1e9), status == -1 ? "failed"
                            : status == 503 ? "refused (503)" : "answered (" + status + ")")));
            return String.format("%-16s victim: %d requests, p50 %6.2f  p90 %6.2f  p99 %6.2f  max %7.2f ms, %d not its "
                    + "image%s", name, latencies.length, p(0.5), p(0.9), p(0.99), p(1.0), wrong,
                    flood.length() == 0 ? "" : "; flooder: " + flood);
        }
    }

    private void line(String format, Object... args) {
        String text = String.format(format, args);
        System.out.println("[benchmark] " + text);
        report.add(text);
    }
}
