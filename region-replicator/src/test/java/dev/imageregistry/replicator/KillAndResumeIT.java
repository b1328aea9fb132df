package dev.imageregistry.replicator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.infra.FreePort;
import dev.imageregistry.infra.PostgresServer;
import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;

/**
 * Kill-and-resume with real processes: the packaged replicator ({@code target/quarkus-app}) copies an image from
 * the source Region, is killed with SIGKILL in the middle of the copy, and a second replicator process takes the
 * copy over once the first one's lease has run out. No replicator runs inside this JVM (it is not a
 * {@code @QuarkusTest}): the two child processes are the only ones that can claim the copy.
 * <p>
 * A failsafe test (run by {@code verify}, after {@code package}) because it needs the packaged application.
 */
class KillAndResumeIT {
    static final String OWNER = "111111111111";
    static final int BLOCKS = 160;
    /** 160 blocks of 512 KiB through an 8 MiB/s link: about 10 s of copying, long enough to kill it midway. */
    static final long LINK_BYTES_PER_SECOND = 8L * 1024 * 1024;
    static final int DONE_BEFORE_KILL = 16;
    static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, String> regionConfig;
    static SourceRegionFixture source;
    static ThrottledLink slowLink;
    static TopicTap copyEvents;
    static MinioClient destination;
    static final List<Process> replicators = new ArrayList<>();

    @BeforeAll
    static void startRegions() throws Exception {
        TwoRegionTestResource regions = new TwoRegionTestResource();
        regions.init(Map.of());
        regionConfig = regions.start();
        source = SourceRegionFixture.get();
        slowLink = new ThrottledLink(source.s3.peerEndpoint(), LINK_BYTES_PER_SECOND); // HTTPS, as the other tests
        var region = RegionTestResource.region();
        copyEvents = new TopicTap(region.kafka().bootstrapServers(), "copy-events");
        destination = MinioClient.builder().endpoint(region.s3().endpoint())
                .credentials(region.s3().accessKey(), region.s3().secretKey()).region("us-east-1").build();
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process replicator : replicators) {
            replicator.destroy();
            if (!replicator.waitFor(30, TimeUnit.SECONDS)) {
                replicator.destroyForcibly();
            }
        }
        if (copyEvents != null) {
            copyEvents.close();
        }
        if (slowLink != null) {
            slowLink.close();
        }
    }

    @Test
    void aReplicatorKilledMidCopyIsResumedByAnotherWithoutResendingFinishedBlocksOrDuplicatingEvents()
            throws Exception {
        Process first = launchReplicator(1); // it starts while the source Region fills up
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < BLOCKS; i++) {
            blocks.add(source.store(source.newBlock()));
        }
        String image = source.image(OWNER, List.of(source.snapshot(OWNER, blocks)));
        awaitStarted(first, 1);
        String copy = SourceRegionFixture.id("ami-");
        TopicTap.publish(RegionTestResource.region().kafka().bootstrapServers(), "image-events", copy,
                ImageCopyTest.copyRequested(copy, OWNER, image, false));

        // Some blocks are persisted as done (not merely in flight): the first replicator is then killed outright.
        await("the first replicator persists progress (see target/kill-and-resume-1.log)").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    assertTrue(first.isAlive(), "the first replicator exited; see target/kill-and-resume-1.log");
                    return blocksDone(copy) >= DONE_BEFORE_KILL;
                });
        first.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no graceful release of the lease
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the first replicator did not die");
        Set<String> doneAtKill = doneBlocks(copy);
        assertTrue(doneAtKill.size() >= DONE_BEFORE_KILL && doneAtKill.size() < BLOCKS,
                "killed mid-copy, with " + doneAtKill.size() + " of " + BLOCKS + " blocks done");
        assertEquals("copying", state(copy), "the kill left the copy unfinished");

        Instant secondStarted = Instant.now();
        awaitStarted(launchReplicator(2), 2);
        JsonNode copied = awaitImageCopied(copy);

        assertEquals(image, copied.at("/data/sourceImageId").asText());
        // Every block's bytes were counted once across the two processes: the blocks that reached the destination
        // after the last persisted progress (in flight at the kill) were found present by the second one.
        long bytesMoved = copied.at("/data/bytesMoved").asLong();
        long skipped = copied.at("/data/blocksSkipped").asLong();
        assertEquals((long) BLOCKS * SourceRegionFixture.BLOCK, bytesMoved + skipped * SourceRegionFixture.BLOCK,
                "moved " + bytesMoved + " bytes and skipped " + skipped + " blocks");
        assertTrue(skipped <= 16, "only blocks in flight at the kill were looked at again, not " + skipped);
        // The blocks recorded done before the kill were never written again: their objects in the destination date
        // from before the second replicator even started (S3 times are to the second, and a JVM start takes longer).
        for (String checksum : doneAtKill) {
            Instant written = destinationObjectTime(checksum);
            assertTrue(written.isBefore(secondStarted), "block " + checksum + " was written again at " + written
                    + ", after the second replicator started at " + secondStarted);
        }
        for (String checksum : blocks) {
            destinationObjectTime(checksum); // every block arrived
        }
        assertEquals(BLOCKS, doneBlocks(copy).size());

        // No duplicate events: one event per aggregate version (a redelivery of the same event ID by the outbox
        // relay is at-least-once delivery, which consumers dedupe, not a second event), exactly one ImageCopied,
        // and progress that never goes back.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<JsonNode> events = distinctEvents(copy);
            for (int i = 0; i < events.size(); i++) {
                assertEquals(i + 1, events.get(i).path("aggregateversion").asLong(), "versions 1, 2, 3... per copy");
            }
            assertEquals(1, events.stream().filter(e -> e.path("type").asText().equals("ImageCopied")).count());
        });
        long previous = 0;
        for (JsonNode event : distinctEvents(copy)) {
            if (event.path("type").asText().equals("ImageCopyProgressed")) {
                assertTrue(event.at("/data/blocksDone").asLong() >= previous, "progress never goes back");
                previous = event.at("/data/blocksDone").asLong();
            }
        }
        for (ConsumerRecord<String, String> record : copyEvents.recordsWithKey(copy)) {
            EventContract.assertConforms(record.value());
        }
        System.out.printf("kill-and-resume: killed with %d of %d blocks done; the survivor moved the rest in %d s "
                + "(%d blocks found already present); %d MiB moved in all%n", doneAtKill.size(), BLOCKS,
                Duration.between(secondStarted, Instant.now()).toSeconds(), skipped, bytesMoved >> 20);
    }

    // --- the replicator processes

    /** The packaged replicator, pointed at this JVM's two Regions, with a short lease and a slow source link. */
    private Process launchReplicator(int number) throws IOException {
        Path app = Path.of("target", "quarkus-app");
        Path jar = app.resolve("quarkus-run.jar");
        String packageIt = "package the replicator first: ./mvnw -B -q package -pl region-replicator -DskipTests";
        assertTrue(Files.exists(jar), packageIt);
        long packaged = Files.getLastModifiedTime(app.resolve("app").resolve("region-replicator-0.1.0-SNAPSHOT.jar"))
                .toMillis();
        try (Stream<Path> classes = Files.walk(Path.of("target", "classes"))) {
            assertTrue(classes.filter(Files::isRegularFile).allMatch(f -> f.toFile().lastModified() <= packaged),
                    "target/quarkus-app is older than target/classes: " + packageIt);
        }
        Map<String, String> config = new LinkedHashMap<>(regionConfig);
        config.put("quarkus.http.port", Integer.toString(FreePort.next()));
        // The source's Kafka as the other tests reach it (SASL_SSL), its S3 through the slow link; without the
        // Region with the wrong password, whose settings would otherwise name a Region not in this list.
        config.put("imageregistry.replicator.regions", SourceRegionFixture.REGION + "="
                + source.kafka.peerBootstrapServers() + "|" + slowLink.endpoint());
        config.keySet().removeIf(key -> key.startsWith(TwoRegionTestResource.peerKafka(TwoRegionTestResource.REFUSED, "")));
        // A short lease, so the survivor takes over within seconds; few blocks in flight, so the kill finds some
        // done and most not.
        config.put("imageregistry.replicator.lease", "3s");
        config.put("imageregistry.replicator.parallelism", "2");
        // Each process reads the copy requests itself: a killed member would hold its partitions for the
        // consumer group's session timeout (a request already accepted is ignored on a second reading).
        config.put("mp.messaging.incoming.image-events.group.id", "region-replicator-kill-test-" + number);
        // C1 only and the serial collector: a much faster start on a busy 2-core machine; 8 MiB/s needs no C2.
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(Path.of("target", "kill-and-resume-" + number + ".log").toFile()).start();
        replicators.add(process);
        ports.put(process, Integer.parseInt(config.get("quarkus.http.port")));
        return process;
    }

    private final Map<Process, Integer> ports = new HashMap<>();

    private void awaitStarted(Process process, int number) {
        String ready = "http://localhost:" + ports.get(process) + "/q/health/started";
        await("replicator " + number + " starts (see target/kill-and-resume-" + number + ".log)")
                .atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    assertTrue(process.isAlive(), "replicator " + number + " exited; see target/kill-and-resume-"
                            + number + ".log");
                    return status(ready) == 200;
                });
    }

    private static int status(String url) {
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
            http.setConnectTimeout(1000);
            http.setReadTimeout(5000);
            int status = http.getResponseCode();
            http.disconnect();
            return status;
        } catch (IOException e) {
            return -1;
        }
    }

    // --- what the replicators persisted and published

    private static Connection database() throws SQLException {
        return DriverManager.getConnection(regionConfig.get("quarkus.datasource.jdbc.url"), PostgresServer.USER, "");
    }

    private static long blocksDone(String copy) {
        try (Connection c = database(); PreparedStatement select = c.prepareStatement(
                "select blocks_done from copy_job where copy_id = ?")) {
            select.setString(1, copy);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            return 0; // not migrated yet
        }
    }

    private static String state(String copy) throws SQLException {
        try (Connection c = database(); PreparedStatement select = c.prepareStatement(
                "select state from copy_job where copy_id = ?")) {
            select.setString(1, copy);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static Set<String> doneBlocks(String copy) throws SQLException {
        Set<String> done = new HashSet<>();
        try (Connection c = database(); PreparedStatement select = c.prepareStatement(
                "select checksum from copy_block where copy_id = ? and done")) {
            select.setString(1, copy);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    done.add(rs.getString(1));
                }
            }
        }
        return done;
    }

    private static Instant destinationObjectTime(String checksum) throws Exception {
        return destination.statObject(StatObjectArgs.builder().bucket("blocks")
                .object("blocks/" + HexFormat.of().formatHex(Base64.getDecoder().decode(checksum))).build())
                .lastModified().toInstant();
    }

    private JsonNode awaitImageCopied(String copy) {
        JsonNode[] outcome = new JsonNode[1];
        await("the second replicator completes the copy (see target/kill-and-resume-2.log)")
                .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    List<JsonNode> events = distinctEvents(copy);
                    JsonNode last = events.isEmpty() ? null : events.get(events.size() - 1);
                    assertTrue(last != null && (last.path("type").asText().equals("ImageCopied")
                            || last.path("type").asText().equals("ImageCopyFailed")), "no outcome yet for " + copy);
                    outcome[0] = last;
                });
        assertEquals("ImageCopied", outcome[0].path("type").asText(), outcome[0].toString());
        return outcome[0];
    }

    /** The copy's events by version, a redelivered event (same ID) counted once; two events of one version fail. */
    private static List<JsonNode> distinctEvents(String copy) throws IOException {
        Map<Long, JsonNode> byVersion = new HashMap<>();
        for (ConsumerRecord<String, String> record : copyEvents.recordsWithKey(copy)) {
            JsonNode event = JSON.readTree(record.value());
            JsonNode earlier = byVersion.putIfAbsent(event.path("aggregateversion").asLong(), event);
            if (earlier != null) {
                assertEquals(earlier.path("id").asText(), event.path("id").asText(),
                        "two different events with version " + event.path("aggregateversion").asLong());
            }
        }
        List<JsonNode> events = new ArrayList<>(byVersion.values());
        events.sort((a, b) -> Long.compare(a.path("aggregateversion").asLong(), b.path("aggregateversion").asLong()));
        return events;
    }
}
