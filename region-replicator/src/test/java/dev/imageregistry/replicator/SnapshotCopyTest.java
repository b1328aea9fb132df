package dev.imageregistry.replicator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.replicator.persistence.SourceCatalogue;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * CopySnapshot between the two Regions of the copy tests (the same Quarkus start as {@link ImageCopyTest}): the
 * source snapshot's map and blocks are played by {@link SourceRegionFixture}; this Region's snapshot-service is
 * played by publishing SnapshotCopyRequested on this Region's snapshot-events.
 */
@QuarkusTest
@WithTestResource(TwoRegionTestResource.class)
class SnapshotCopyTest extends CopyTestRegions {
    static final String OWNER = "555566667777";
    static final String STRANGER = "888899990000";
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    SourceCatalogue catalogue;

    @Test
    void theOwnersSnapshotArrivesWithItsMapAndOnlyTheMissingBlocksMove() throws Exception {
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] data = source.newBlock();
            blocks.add(source.store(data));
            if (i % 3 == 0) {
                putInDestination(data); // 4 of the 12 blocks are already in this Region
            }
        }
        String sourceSnapshot = source.snapshot(OWNER, blocks);
        String copy = SourceRegionFixture.id("snap-");
        String request = snapshotCopyRequested(copy, OWNER, sourceSnapshot, "nightly backup");
        publish(copy, request);
        publish(copy, request); // a redelivery is skipped

        JsonNode last = awaitOutcome(copy, "SnapshotCopied");

        List<JsonNode> events = eventsOf(copy);
        List<JsonNode> parts = events.stream().filter(e -> e.path("type").asText().equals("SnapshotCopied")).toList();
        assertEquals(1, parts.size(), "12 blocks fit one part");
        List<String> published = new ArrayList<>();
        for (JsonNode part : parts) {
            JsonNode data = part.path("data");
            assertFalse(data.has("imageId"), "a CopySnapshot's map belongs to no image");
            assertEquals(copy, part.path("subject").asText(), "keyed by the new snapshot");
            assertEquals(copy, data.path("snapshotId").asText());
            assertEquals(sourceSnapshot, data.path("sourceSnapshotId").asText());
            assertEquals("us-east-1", data.path("sourceRegion").asText());
            assertEquals(OWNER, data.path("ownerId").asText());
            assertEquals(8, data.path("volumeSize").asInt(), "the size the source published");
            assertEquals("nightly backup", data.path("description").asText());
            assertEquals(SourceRegionFixture.mapChecksum(blocks), data.path("aggregateChecksum").asText());
            for (JsonNode block : data.path("blocks")) {
                assertEquals(published.size(), block.path("index").asInt());
                published.add(block.path("checksum").asText());
            }
        }
        assertEquals(blocks, published, "the source's map, block for block");
        assertEquals(8L * SourceRegionFixture.BLOCK, last.at("/data/bytesMoved").asLong(), "the 8 missing blocks");
        assertEquals(4, last.at("/data/blocksSkipped").asLong(), "the 4 this Region held");
        for (String checksum : blocks) {
            byte[] arrived = read(destination, checksum);
            assertArrayEquals(Base64.getDecoder().decode(checksum), MessageDigest.getInstance("SHA-256").digest(arrived),
                    "every block is in this Region's bucket, its content matching its SHA-256");
        }
        List<String> types = events.stream().map(e -> e.path("type").asText()).toList();
        assertTrue(types.stream().allMatch(t -> t.equals("SnapshotCopyProgressed") || t.equals("SnapshotCopied")),
                types.toString());
        assertTrue(types.contains("SnapshotCopyProgressed"), types.toString());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).path("aggregateversion").asLong(), "versions 1, 2, 3... per copy");
        }

        given().auth().oauth2(RegionTestResource.tokens().token(OWNER)).get("/copies/" + copy)
                .then().statusCode(200).body("State", equalTo("completed")).body("Progress", equalTo(100))
                .body("SnapshotId", equalTo(copy)).body("SourceSnapshotId", equalTo(sourceSnapshot))
                .body("BlocksTotal", equalTo(12)).body("BlocksSkipped", equalTo(4)).body("$", not(hasKey("ImageId")));
        given().auth().oauth2(RegionTestResource.tokens().token(STRANGER)).get("/copies/" + copy)
                .then().statusCode(400).body("Errors[0].Code", equalTo("InvalidSnapshot.NotFound"));

        // The same request again after the end, under a new event ID (a replay of snapshot-events): nothing more.
        int before = events.size();
        publish(copy, snapshotCopyRequested(copy, OWNER, sourceSnapshot, "nightly backup"));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertEquals(before, eventsOf(copy).size()));
    }

    @Test
    void aSnapshotOfAnotherAccountDoesNotExistForTheRequesterAndNothingMoves() {
        List<String> blocks = List.of(source.store(source.newBlock()), source.store(source.newBlock()));
        String othersSnapshot = source.snapshot(OWNER, blocks);
        String copy = SourceRegionFixture.id("snap-");
        publish(copy, snapshotCopyRequested(copy, STRANGER, othersSnapshot, null));

        JsonNode failed = assertFailedAndNothingMoved(copy, "InvalidSnapshot.NotFound",
                "The snapshot '" + othersSnapshot + "' does not exist.", blocks);
        assertEquals(othersSnapshot, failed.at("/data/sourceSnapshotId").asText());
        given().auth().oauth2(RegionTestResource.tokens().token(STRANGER)).get("/copies/" + copy)
                .then().statusCode(200).body("State", equalTo("failed"))
                .body("StateReason", equalTo("InvalidSnapshot.NotFound: The snapshot '" + othersSnapshot
                        + "' does not exist."));
    }

    @Test
    void anOverlaidSnapshotArrivesWithItsWholeMapThoughItsFirstBaseWasDeleted() throws Exception {
        // A full map of 10 blocks; a snapshot of a volume made from it (3 blocks written, one past its end); a
        // snapshot of a volume made from that one (4 written, in 2 parts), copied once the first base is deleted.
        Map<String, byte[]> content = new HashMap<>();
        List<String> base = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            base.add(stored(content));
        }
        SortedMap<Integer, String> firstLayer = new TreeMap<>(Map.of(2, stored(content), 5, stored(content),
                12, stored(content)));
        SortedMap<Integer, String> secondLayer = new TreeMap<>(Map.of(0, stored(content), 5, stored(content),
                7, stored(content), 13, stored(content)));
        SortedMap<Integer, String> full = new TreeMap<>();
        for (int i = 0; i < base.size(); i++) {
            full.put(i, base.get(i));
        }
        String baseSnapshot = source.snapshot(OWNER, base);
        full.putAll(firstLayer);
        String firstSnapshot = source.overlaid(OWNER, baseSnapshot, firstLayer, List.copyOf(full.values()), 4096);
        full.putAll(secondLayer);
        String layered = source.overlaid(OWNER, firstSnapshot, secondLayer, List.copyOf(full.values()), 2);
        source.deleteSnapshot(OWNER, baseSnapshot);
        // The copy is asked for once the deletion is known here, so it resolves through a deleted base.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertTrue(catalogue.snapshot(SourceRegionFixture.REGION, layered).isPresent(), "layers recorded");
            assertTrue(catalogue.snapshot(SourceRegionFixture.REGION, baseSnapshot).isEmpty(), "base deleted");
        });
        List<String> held = List.of(full.get(1), full.get(2), full.get(13)); // from the base and from each layer
        for (String checksum : held) {
            putInDestination(content.get(checksum));
        }
        String copy = SourceRegionFixture.id("snap-");
        publish(copy, snapshotCopyRequested(copy, OWNER, layered, null));

        JsonNode last = awaitOutcome(copy, "SnapshotCopied");

        SortedMap<Integer, String> published = new TreeMap<>();
        for (JsonNode part : eventsOf(copy)) {
            if (part.path("type").asText().equals("SnapshotCopied")) {
                assertEquals(SourceRegionFixture.mapChecksum(List.copyOf(full.values())),
                        part.at("/data/aggregateChecksum").asText());
                part.at("/data/blocks").forEach(b -> published.put(b.path("index").asInt(),
                        b.path("checksum").asText()));
            }
        }
        assertEquals(full, published, "the base's map with both layers laid over it, index by index");
        assertEquals(9L * SourceRegionFixture.BLOCK, last.at("/data/bytesMoved").asLong(), "the 9 missing blocks");
        assertEquals(3, last.at("/data/blocksSkipped").asLong(), "the 3 this Region held");
        for (String checksum : full.values()) {
            assertArrayEquals(Base64.getDecoder().decode(checksum),
                    MessageDigest.getInstance("SHA-256").digest(read(destination, checksum)),
                    "every block of the full map is in this Region's bucket, its content matching its SHA-256");
        }
        for (String replaced : List.of(base.get(0), base.get(2), base.get(5), base.get(7), firstLayer.get(5))) {
            assertFalse(exists(replaced), "a block a layer replaced is not part of the map and is not copied");
        }
        given().auth().oauth2(RegionTestResource.tokens().token(OWNER)).get("/copies/" + copy)
                .then().statusCode(200).body("State", equalTo("completed")).body("BlocksTotal", equalTo(12));
    }

    @Test
    void anOverlaidSnapshotWhoseChecksumIsNotThatOfItsResolvedMapIsNotCopied() {
        Map<String, byte[]> content = new HashMap<>();
        List<String> base = List.of(stored(content), stored(content), stored(content));
        String baseSnapshot = source.snapshot(OWNER, base);
        SortedMap<Integer, String> written = new TreeMap<>(Map.of(1, stored(content)));
        // Its producer forgot the base: checksum and count of the layer alone.
        String layered = source.overlaid(OWNER, baseSnapshot, written, List.copyOf(written.values()), 4096);
        String copy = SourceRegionFixture.id("snap-");
        publish(copy, snapshotCopyRequested(copy, OWNER, layered, null));

        assertFailedAndNothingMoved(copy, "Client.ChecksumMismatch",
                "The block map of " + layered + " does not match its published checksum.", content.keySet());
    }

    // --- helpers

    /** SnapshotCopyRequested as this Region's snapshot-service publishes it (checked against the contract). */
    static String snapshotCopyRequested(String copy, String owner, String sourceSnapshot, String description) {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/regions/"
                + TwoRegionTestResource.REGION + "/snapshot-service\",\"type\":\"SnapshotCopyRequested\",\"subject\":\""
                + copy + "\",\"time\":\"" + Instant.now() + "\",\"datacontenttype\":\"application/json\",\"region\":\""
                + TwoRegionTestResource.REGION + "\",\"aggregateversion\":1,\"schemaversion\":1,\"data\":{"
                + "\"snapshotId\":\"" + copy + "\",\"ownerId\":\"" + owner + "\",\"sourceRegion\":\""
                + SourceRegionFixture.REGION + "\",\"sourceSnapshotId\":\"" + sourceSnapshot + "\","
                + (description != null ? "\"description\":\"" + description + "\"," : "")
                + "\"tags\":[{\"key\":\"team\",\"value\":\"storage\"}],\"requestedAt\":\"" + Instant.now() + "\"}}";
        EventContract.assertConforms(envelope);
        return envelope;
    }

    private static void publish(String copy, String envelope) {
        TopicTap.publish(RegionTestResource.region().kafka().bootstrapServers(), "snapshot-events", copy, envelope);
    }

    /** Waits for the copy's end (its map's last part, or its failure); every event of the copy meets the contract. */
    private static JsonNode awaitOutcome(String copy, String expectedType) {
        return awaitOutcome(copy, last -> last.path("type").asText().equals("SnapshotCopyFailed")
                || last.path("type").asText().equals("SnapshotCopied")
                && last.at("/data/part").asInt() == last.at("/data/parts").asInt(), expectedType);
    }

    /** A new block stored in the source bucket; its content kept under its checksum. */
    private static String stored(Map<String, byte[]> content) {
        byte[] data = source.newBlock();
        String checksum = source.store(data);
        content.put(checksum, data);
        return checksum;
    }

    private static String key(String checksum) {
        return "blocks/" + HexFormat.of().formatHex(Base64.getDecoder().decode(checksum));
    }

    private static void putInDestination(byte[] data) throws Exception {
        String checksum = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(data));
        destination.putObject(PutObjectArgs.builder().bucket("blocks").object(key(checksum))
                .stream(new ByteArrayInputStream(data), data.length, -1).build());
    }

    private static byte[] read(MinioClient from, String checksum) throws Exception {
        try (var in = from.getObject(GetObjectArgs.builder().bucket("blocks").object(key(checksum)).build())) {
            return in.readAllBytes();
        }
    }

    private static boolean exists(String checksum) {
        try {
            destination.statObject(StatObjectArgs.builder().bucket("blocks").object(key(checksum)).build());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** The copy failed with the reason, published nothing else, and moved none of the blocks. */
    private JsonNode assertFailedAndNothingMoved(String copy, String code, String message,
            Collection<String> checksums) {
        JsonNode failed = awaitOutcome(copy, "SnapshotCopyFailed");
        assertEquals(code, failed.at("/data/stateReason/code").asText());
        assertEquals(message, failed.at("/data/stateReason/message").asText());
        assertEquals(1, eventsOf(copy).size(), "no progress, no map: nothing was copied");
        for (String checksum : checksums) {
            assertFalse(exists(checksum), "no block moved");
        }
        return failed;
    }
}
