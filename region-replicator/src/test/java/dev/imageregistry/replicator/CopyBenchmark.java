package dev.imageregistry.replicator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.replicator.regions.BlockClients;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Copy throughput between the two local Regions beside a raw baseline measured in the same run: plain S3 GET
 * from the source and PUT to the destination of the same 512 KiB blocks at the same concurrency. Then the bytes
 * moved for an image whose blocks are 90% in the destination already. Not part of the build:
 * {@code ./mvnw test -pl region-replicator -Dtest=CopyBenchmark -Dbenchmark=true [-Dbenchmark.gib=1]}.
 */
@QuarkusTest
@WithTestResource(TwoRegionTestResource.class)
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class CopyBenchmark {
    /** The replicator's own S3 clients (the source over HTTPS with its CA and key pair, as copies read it). */
    @jakarta.inject.Inject
    BlockClients clients;
    @jakarta.inject.Inject
    dev.imageregistry.replicator.regions.SourceRegions regions;

    static final ObjectMapper JSON = new ObjectMapper();
    static final String OWNER = "111111111111";

    @Test
    void copyThroughputBesideRawS3() throws Exception {
        SourceRegionFixture source = SourceRegionFixture.get();
        int parallelism = ConfigProvider.getConfig().getValue("imageregistry.replicator.parallelism", Integer.class);
        int blocks = (int) (Double.parseDouble(System.getProperty("benchmark.gib", "1")) * 2048);
        long bytes = (long) blocks * SourceRegionFixture.BLOCK;

        // Raw baseline: the same work without the replicator (GET from source, PUT to destination), fresh blocks.
        List<String> baselineBlocks = storeInParallel(source, blocks, parallelism);
        var region = RegionTestResource.region();
        // The replicator's own S3 client settings, so the baseline differs from the copy only by the replicator.
        MinioClient sourceS3 = clients.source(regions.find(SourceRegionFixture.REGION).orElseThrow());
        MinioClient destS3 = clients.destination();
        if (!destS3.bucketExists(BucketExistsArgs.builder().bucket("baseline").build())) {
            destS3.makeBucket(MakeBucketArgs.builder().bucket("baseline").build());
        }
        long rawStart = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (String checksum : baselineBlocks) {
                work.add(pool.submit(() -> {
                    String key = "blocks/" + HexFormat.of().formatHex(Base64.getDecoder().decode(checksum));
                    byte[] data;
                    try (var in = sourceS3.getObject(GetObjectArgs.builder().bucket("blocks").object(key).build())) {
                        data = in.readAllBytes();
                    }
                    destS3.putObject(PutObjectArgs.builder().bucket("baseline").object(key)
                            .stream(new ByteArrayInputStream(data), data.length, -1).build());
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        double rawSeconds = (System.nanoTime() - rawStart) / 1e9;

        // The replicator copying an image of the same size (other fresh blocks, so nothing is skipped).
        List<String> imageBlocks = storeInParallel(source, blocks, parallelism);
        String image = source.image(OWNER, List.of(source.snapshot(OWNER, imageBlocks)));
        TopicTap copyEvents = new TopicTap(region.kafka().bootstrapServers(), "copy-events");
        String copy = SourceRegionFixture.id("ami-");
        long copyStart = System.nanoTime();
        request(copy, image);
        JsonNode copied = awaitCopied(copyEvents, copy);
        double copySeconds = (System.nanoTime() - copyStart) / 1e9;
        assertEquals(bytes, copied.at("/data/bytesMoved").asLong());

        // 90% of the blocks already in the destination.
        List<String> mostlyKnown = new ArrayList<>(imageBlocks.subList(0, blocks * 9 / 10));
        mostlyKnown.addAll(storeInParallel(source, blocks - mostlyKnown.size(), parallelism));
        String second = source.image(OWNER, List.of(source.snapshot(OWNER, mostlyKnown)));
        String secondCopy = SourceRegionFixture.id("ami-");
        long secondStart = System.nanoTime();
        request(secondCopy, second);
        JsonNode secondCopied = awaitCopied(copyEvents, secondCopy);
        double secondSeconds = (System.nanoTime() - secondStart) / 1e9;
        copyEvents.close();

        double mb = bytes / 1e6;
        double moved = secondCopied.at("/data/bytesMoved").asLong();
        String report = String.format("%n=== copy benchmark: %d blocks (%.0f MB), parallelism %d ===%n"
                + "raw S3 GET+PUT baseline : %6.1f s  %7.1f MB/s%n"
                + "replicator copy (cold)  : %6.1f s  %7.1f MB/s  = %.0f%% of raw (request -> ImageCopied, incl. events)%n"
                + "90%% already present     : %6.1f s  bytes moved %.0f MB = %.1f%% of the image%n",
                blocks, mb, parallelism, rawSeconds, mb / rawSeconds, copySeconds, mb / copySeconds,
                100 * rawSeconds / copySeconds, secondSeconds, moved / 1e6, 100 * moved / bytes);
        System.out.println(report);
        assertTrue(moved <= 0.11 * bytes, report);
    }

    private static void request(String copy, String image) {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/regions/eu-west-1/"
                + "registry-service\",\"type\":\"ImageCopyRequested\",\"subject\":\"" + copy + "\",\"time\":\""
                + Instant.now() + "\",\"datacontenttype\":\"application/json\",\"region\":\"eu-west-1\","
                + "\"aggregateversion\":1,\"schemaversion\":1,\"data\":{\"imageId\":\"" + copy + "\",\"ownerId\":\"" + OWNER
                + "\",\"name\":\"bench " + copy + "\",\"sourceImageId\":\"" + image
                + "\",\"sourceRegion\":\"us-east-1\",\"copyImageTags\":false,\"creationDate\":\"" + Instant.now() + "\"}}";
        TopicTap.publish(RegionTestResource.region().kafka().bootstrapServers(), "image-events", copy, envelope);
    }

    private static JsonNode awaitCopied(TopicTap events, String copy) {
        JsonNode[] result = new JsonNode[1];
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            JsonNode found = null;
            for (var record : events.recordsWithKey(copy)) {
                JsonNode event = JSON.readTree(record.value());
                if (event.path("type").asText().startsWith("ImageCopy") && !event.path("type").asText().equals("ImageCopyProgressed")
                        || event.path("type").asText().equals("ImageCopied")) {
                    found = event;
                }
            }
            assertTrue(found != null);
            result[0] = found;
        });
        assertEquals("ImageCopied", result[0].path("type").asText(), result[0].toString());
        return result[0];
    }

    private static List<String> storeInParallel(SourceRegionFixture source, int count, int parallelism) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try {
            List<Future<String>> stored = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                // Made inside the task: a GiB of blocks waiting in the queue would not fit the test JVM.
                stored.add(pool.submit(() -> source.store(source.newBlock())));
            }
            List<String> checksums = new ArrayList<>();
            for (Future<String> f : stored) {
                checksums.add(f.get());
            }
            return checksums;
        } finally {
            pool.shutdown();
        }
    }

}
