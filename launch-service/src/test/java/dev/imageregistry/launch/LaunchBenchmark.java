package dev.imageregistry.launch;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.launch.persistence.LaunchableImages;
import dev.imageregistry.platform.events.EventJson;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Benchmark, not part of the default test run. One line:
 * {@code ./mvnw -B -q test -pl launch-service -Dtest=LaunchBenchmark -Dlaunch.benchmark=true}
 *
 * <p>Measures RunInstances (latency p50/p99 and launches/s) for an image of 1 GiB and one of 64 GiB beside an
 * authenticated no-op request, and the lag from a permission change published on image-events to its
 * enforcement here beside a raw Kafka produce-to-consume round trip, all in the same run. The figures are printed
 * and written to target/launch-benchmark.txt.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "launch.benchmark", matches = "true")
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "launch"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class LaunchBenchmark {
    private static final int LAUNCHES = Integer.getInteger("launch.benchmark.launches", 500);
    private static final int PERMISSION_CHANGES = Integer.getInteger("launch.benchmark.permission-changes", 200);

    private final RegistryPlayer registry = new RegistryPlayer();
    private final Api owner = new Api(RegistryPlayer.account());
    private final StringBuilder report = new StringBuilder();

    @Inject
    LaunchableImages images;

    @Test
    void benchmark() throws Exception {
        String small = image(1, 2_048);
        String large = image(64, 131_072);

        for (int i = 0; i < 200; i++) { // warm-up: JIT, connection pools
            owner.launchOne(small);
            owner.as().get("/caller-identity").then().statusCode(200);
        }
        line("run-instances, %d sequential requests per image (1 instance each, the two images alternating), then 4 clients in parallel",
                LAUNCHES);
        latencies("baseline GET /caller-identity (JWT, no DB)", () -> owner.as().get("/caller-identity").then()
                .statusCode(200));
        interleaved(small, large);
        parallel("RunInstances, 1 GiB image", small, 4);
        parallel("RunInstances, 64 GiB image", large, 4);

        permissionLag();
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "launch-benchmark.txt"), report);
        System.out.println("\n===== launch-service benchmark =====\n" + report);
    }

    private String image(int sizeGib, long blocks) {
        String image = RegistryPlayer.imageId();
        String snapshot = RegistryPlayer.snapshotId();
        registry.snapshotCompleted(snapshot, owner.account(), sizeGib, blocks);
        registry.registered(image, owner.account(), snapshot, sizeGib);
        await().atMost(Duration.ofSeconds(30)).until(() -> images.mayLaunch(owner.account(), image));
        return image;
    }

    private void latencies(String label, Runnable call) {
        long[] nanos = new long[LAUNCHES];
        long started = System.nanoTime();
        for (int i = 0; i < LAUNCHES; i++) {
            long t0 = System.nanoTime();
            call.run();
            nanos[i] = System.nanoTime() - t0;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        line("  %-45s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  %7.1f req/s", label, ms(nanos, 0.50),
                ms(nanos, 0.99), ms(nanos, 1.0), LAUNCHES / seconds);
    }

    /** Alternates the two images request by request, so that warm-up and background work weigh on both alike. */
    private void interleaved(String small, String large) {
        long[] smallNanos = new long[LAUNCHES];
        long[] largeNanos = new long[LAUNCHES];
        long smallTotal = 0;
        long largeTotal = 0;
        for (int i = 0; i < LAUNCHES; i++) {
            long t0 = System.nanoTime();
            owner.run(small).statusCode(200);
            long t1 = System.nanoTime();
            owner.run(large).statusCode(200);
            long t2 = System.nanoTime();
            smallNanos[i] = t1 - t0;
            largeNanos[i] = t2 - t1;
            smallTotal += smallNanos[i];
            largeTotal += largeNanos[i];
        }
        line("  %-45s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  %7.1f req/s", "RunInstances, 1 GiB image",
                ms(smallNanos, 0.50), ms(smallNanos, 0.99), ms(smallNanos, 1.0), LAUNCHES / (smallTotal / 1e9));
        line("  %-45s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  %7.1f req/s", "RunInstances, 64 GiB image",
                ms(largeNanos, 0.50), ms(largeNanos, 0.99), ms(largeNanos, 1.0), LAUNCHES / (largeTotal / 1e9));
    }

    private void parallel(String label, String image, int clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long started = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                for (int i = 0; i < LAUNCHES / clients; i++) {
                    owner.run(image).statusCode(200);
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - started) / 1e9;
        line("  %-45s %7.1f launches/s with %d clients", label, (LAUNCHES / clients * clients) / seconds, clients);
    }

    /**
     * Alternately shares and unshares an image with an account; measures from the moment the change is sent to
     * image-events (as the registry's outbox relay sends it, acks=all) until this service's launch decision
     * reflects it. Beside it, the raw round trip of a record through the same broker to a plain consumer.
     */
    private void permissionLag() throws Exception {
        String image = image(1, 2_048);
        String friend = RegistryPlayer.account();
        String bootstrap = RegistryPlayer.bootstrap();
        RegionTestResource.region().kafka().createTopics(List.of("launch-benchmark-baseline"), 1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG, "baseline-" + UUID.randomUUID(),
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
            TopicPartition baseline = new TopicPartition("launch-benchmark-baseline", 0);
            consumer.assign(List.of(baseline));
            consumer.seekToEnd(List.of(baseline));
            consumer.position(baseline);
            long[] raw = new long[PERMISSION_CHANGES];
            for (int i = 0; i < PERMISSION_CHANGES; i++) {
                long t0 = System.nanoTime();
                producer.send(new ProducerRecord<>("launch-benchmark-baseline", "k", "v" + i)).get();
                while (consumer.poll(Duration.ofMillis(100)).isEmpty()) {
                    // until the record arrives
                }
                raw[i] = System.nanoTime() - t0;
            }

            long version = registry.version(image);
            long[] grant = new long[PERMISSION_CHANGES / 2];
            long[] revoke = new long[PERMISSION_CHANGES / 2];
            for (int i = 0; i < PERMISSION_CHANGES / 2; i++) {
                grant[i] = change(producer, image, ++version, "ImageShared", friend,
                        () -> images.mayLaunch(friend, image));
                revoke[i] = change(producer, image, ++version, "ImageUnshared", friend,
                        () -> !images.mayLaunch(friend, image));
            }
            owner.run(image).statusCode(200);
            new Api(friend).run(image).statusCode(400); // the last change was a revocation: refused over HTTP too
            long[] all = concat(grant, revoke);
            line("permission change on image-events -> enforced by the launch decision, %d changes", PERMISSION_CHANGES);
            line("  %-45s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms", "baseline raw Kafka produce->consume", ms(raw, 0.5),
                    ms(raw, 0.99), ms(raw, 1.0));
            line("  %-45s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms", "share -> launch allowed", ms(grant, 0.5),
                    ms(grant, 0.99), ms(grant, 1.0));
            line("  %-45s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms", "revoke -> launch refused", ms(revoke, 0.5),
                    ms(revoke, 0.99), ms(revoke, 1.0));
            line("  %-45s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms", "all permission changes", ms(all, 0.5),
                    ms(all, 0.99), ms(all, 1.0));
        }
    }

    private long change(KafkaProducer<String, String> producer, String image, long version, String type,
            String account, BooleanSupplier enforced) throws Exception {
        ObjectNode envelope = EventJson.MAPPER.createObjectNode();
        envelope.put("specversion", "1.0");
        envelope.put("id", UUID.randomUUID().toString());
        envelope.put("source", "/regions/us-east-1/registry-service");
        envelope.put("type", type);
        envelope.put("subject", image);
        envelope.put("time", java.time.Instant.now().toString());
        envelope.put("datacontenttype", "application/json");
        envelope.put("region", "us-east-1");
        envelope.put("aggregateversion", version);
        envelope.put("schemaversion", 1);
        envelope.set("data", EventJson.MAPPER.valueToTree(Map.of("imageId", image, "userIds", List.of(account),
                "groups", List.of())));
        String json = envelope.toString();
        EventContract.assertConforms(json);
        long t0 = System.nanoTime();
        producer.send(new ProducerRecord<>("image-events", image, json)).get();
        while (!enforced.getAsBoolean()) {
            // the launch decision is one indexed query: poll it as fast as a launch would
        }
        return System.nanoTime() - t0;
    }

    private void line(String format, Object... args) {
        report.append(String.format(format, args)).append('\n');
    }

    private static double ms(long[] nanos, double quantile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
