package dev.imageregistry.replicator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.minio.StatObjectArgs;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Copies between two Regions with their own brokers and S3 servers: the source Region's events and blocks are
 * played by {@link SourceRegionFixture}; this Region's registry is played by publishing ImageCopyRequested.
 */
@QuarkusTest
@WithTestResource(TwoRegionTestResource.class)
class ImageCopyTest extends CopyTestRegions {
    static final String A = "111111111111";
    static final String B = "222222222222";
    static final String C = "333333333333";
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFullCopyBringsEveryBlockVerifiedAndPublishesTheNewSnapshots() throws Exception {
        List<String> root = storeBlocks(24);
        List<String> data = new ArrayList<>(storeBlocks(8));
        data.add(root.get(0)); // a block shared between the two snapshots is moved once
        String rootSnapshot = source.snapshot(A, root);
        String dataSnapshot = source.snapshot(A, data);
        String sourceImage = source.image(A, List.of(rootSnapshot, dataSnapshot));

        String copy = requestCopy(A, sourceImage, true);
        JsonNode copied = awaitOutcome(copy, "ImageCopied");

        assertEquals(sourceImage, copied.at("/data/sourceImageId").asText());
        assertEquals("us-east-1", copied.at("/data/sourceRegion").asText());
        assertEquals("arm64", copied.at("/data/architecture").asText());
        assertEquals("platform", copied.at("/data/tags/0/value").asText(), "tags copied when asked");
        assertEquals(2, copied.at("/data/snapshots").size());
        String newRoot = copied.at("/data/snapshots/0/snapshotId").asText();
        assertNotEquals(rootSnapshot, newRoot);
        assertEquals(newRoot, copied.at("/data/blockDeviceMappings/0/ebs/snapshotId").asText(),
                "the mappings point at the copies");
        assertEquals(32L * SourceRegionFixture.BLOCK, copied.at("/data/bytesMoved").asLong(),
                "32 distinct blocks moved, the shared one once");
        for (String checksum : concat(root, data)) {
            assertArrayEquals(source.read(source.client, checksum), source.read(destination, checksum));
        }

        List<JsonNode> events = eventsOf(copy);
        List<String> types = events.stream().map(e -> e.path("type").asText()).toList();
        assertTrue(types.contains("ImageCopyProgressed"), types.toString());
        assertEquals(List.of("SnapshotCopied", "SnapshotCopied", "ImageCopied"), types.subList(types.size() - 3, types.size()));
        JsonNode rootMap = events.stream().filter(e -> e.path("type").asText().equals("SnapshotCopied")
                && e.at("/data/sourceSnapshotId").asText().equals(rootSnapshot)).findFirst().orElseThrow();
        assertEquals(24, rootMap.at("/data/blocks").size());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).path("aggregateversion").asLong(), "versions 1, 2, 3... per copy");
        }

        given().auth().oauth2(RegionTestResource.tokens().token(A)).get("/copies/" + copy)
                .then().statusCode(200).body("State", equalTo("completed")).body("Progress", equalTo(100))
                .body("BlocksTotal", equalTo(32));
        given().auth().oauth2(RegionTestResource.tokens().token(B)).get("/copies/" + copy)
                .then().statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.NotFound"));
    }

    @Test
    void aSecondImageSharingMostBlocksMovesOnlyTheDifference() {
        List<String> base = storeBlocks(40);
        String first = source.image(A, List.of(source.snapshot(A, base)));
        awaitOutcome(requestCopy(A, first, false), "ImageCopied");

        List<String> updated = new ArrayList<>(base.subList(0, 36));
        updated.addAll(storeBlocks(4)); // 90% of the blocks are already in the destination
        String second = source.image(A, List.of(source.snapshot(A, updated)));
        JsonNode copied = awaitOutcome(requestCopy(A, second, false), "ImageCopied");

        assertEquals(4L * SourceRegionFixture.BLOCK, copied.at("/data/bytesMoved").asLong());
        assertEquals(36, copied.at("/data/blocksSkipped").asLong());
        assertTrue(copied.at("/data/tags").isMissingNode(), "tags are copied only when asked");
    }

    @Test
    void anImageMadeFromAnInstanceBringsItsSnapshotsWholeMapMovingOnlyWhatTheInstanceWrote() {
        List<String> base = storeBlocks(20);
        String baseSnapshot = source.snapshot(A, base);
        awaitOutcome(requestCopy(A, source.image(A, List.of(baseSnapshot)), false), "ImageCopied");

        // An instance launched from that image rewrote blocks 3 and 11 and wrote one past the base's end.
        List<String> written = storeBlocks(3);
        SortedMap<Integer, String> layer = new TreeMap<>(Map.of(3, written.get(0), 11, written.get(1), 20,
                written.get(2)));
        SortedMap<Integer, String> full = new TreeMap<>();
        for (int i = 0; i < base.size(); i++) {
            full.put(i, base.get(i));
        }
        full.putAll(layer);
        String fromInstance = source.image(A, List.of(source.overlaid(A, baseSnapshot, layer,
                List.copyOf(full.values()), 4096)));
        String copy = requestCopy(A, fromInstance, false);
        JsonNode copied = awaitOutcome(copy, "ImageCopied");

        assertEquals(3L * SourceRegionFixture.BLOCK, copied.at("/data/bytesMoved").asLong(), "what the instance wrote");
        assertEquals(18, copied.at("/data/blocksSkipped").asLong(), "the base's blocks still in the map");
        JsonNode map = eventsOf(copy).stream().filter(e -> e.path("type").asText().equals("SnapshotCopied"))
                .findFirst().orElseThrow();
        SortedMap<Integer, String> published = new TreeMap<>();
        map.at("/data/blocks").forEach(b -> published.put(b.path("index").asInt(), b.path("checksum").asText()));
        assertEquals(full, published, "the base's map with the instance's blocks laid over it");
        for (String checksum : full.values()) {
            assertTrue(exists(checksum), "every block of the full map is here");
        }
    }

    @Test
    void aCallerWhoMayNotLaunchTheSourceGetsNotFoundAndSharingChangesThat() {
        String image = source.image(A, List.of(source.snapshot(A, storeBlocks(2))));
        JsonNode refused = awaitOutcome(requestCopy(C, image, false), "ImageCopyFailed");
        assertEquals("InvalidAMIID.NotFound", refused.at("/data/stateReason/code").asText());

        source.share(image, B);
        awaitOutcome(requestCopy(B, image, false), "ImageCopied");
    }

    @Test
    void aTamperedBlockFailsTheCopyAndNeverEntersTheDestination() throws Exception {
        List<String> blocks = storeBlocks(6);
        source.tamper(blocks.get(3));
        String image = source.image(A, List.of(source.snapshot(A, blocks)));

        JsonNode failed = awaitOutcome(requestCopy(A, image, false), "ImageCopyFailed");

        assertEquals("Client.BlockChecksumMismatch", failed.at("/data/stateReason/code").asText());
        assertFalse(exists(blocks.get(3)), "the tampered block was not stored");
    }

    @Test
    void anUnreachableSourceRegionIsWaitedForAndTheCopyCompletesWhenItReturns() throws Exception {
        String image = source.image(A, List.of(source.snapshot(A, storeBlocks(12))));
        source.s3Link.cut();
        String copy;
        try {
            copy = requestCopy(A, image, false);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                    .auth().oauth2(RegionTestResource.tokens().token(A)).get("/copies/" + copy)
                    .then().statusCode(200).body("State", equalTo("copying"))
                    .body("StateReason", org.hamcrest.Matchers.notNullValue()));
        } finally {
            source.s3Link.connect();
        }
        awaitOutcome(copy, "ImageCopied");
    }

    @Test
    void aCopyCutOffMidFlightResumesWithoutSendingFinishedBlocksAgain() throws Exception {
        List<String> blocks = storeBlocks(160);
        String image = source.image(A, List.of(source.snapshot(A, blocks)));
        String copy = requestCopy(A, image, false);
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> eventsOf(copy).stream()
                    .anyMatch(e -> e.path("type").asText().equals("ImageCopyProgressed")
                            && e.at("/data/blocksDone").asLong() > 0));
        } finally {
            source.s3Link.cut();
        }
        long doneAtCut = eventsOf(copy).stream().filter(e -> e.path("type").asText().equals("ImageCopyProgressed"))
                .mapToLong(e -> e.at("/data/blocksDone").asLong()).max().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                .auth().oauth2(RegionTestResource.tokens().token(A)).get("/copies/" + copy)
                .then().statusCode(200).body("State", equalTo("copying"))
                .body("StateReason", org.hamcrest.Matchers.notNullValue()));
        source.s3Link.connect();

        JsonNode copied = awaitOutcome(copy, "ImageCopied");
        assertTrue(doneAtCut > 0 && doneAtCut < 160, "cut mid-flight at " + doneAtCut);
        // Every block arrived exactly once: those in flight at the cut were found present on resumption.
        assertEquals(160L * SourceRegionFixture.BLOCK, copied.at("/data/bytesMoved").asLong()
                + copied.at("/data/blocksSkipped").asLong() * SourceRegionFixture.BLOCK);
        assertTrue(copied.at("/data/blocksSkipped").asLong() <= 32, "at most the blocks in flight were looked at again");
        long previous = 0;
        for (JsonNode progress : eventsOf(copy)) {
            if (progress.path("type").asText().equals("ImageCopyProgressed")) {
                assertTrue(progress.at("/data/blocksDone").asLong() >= previous, "progress never goes back");
                previous = progress.at("/data/blocksDone").asLong();
            }
        }
    }

    @Test
    void aRepeatedRequestNeverStartsASecondCopy() {
        String image = source.image(A, List.of(source.snapshot(A, storeBlocks(3))));
        String copy = SourceRegionFixture.id("ami-");
        String request = copyRequested(copy, A, image, false);
        TopicTap.publish(RegionTestResource.region().kafka().bootstrapServers(), "image-events", copy, request);
        TopicTap.publish(RegionTestResource.region().kafka().bootstrapServers(), "image-events", copy, request);
        awaitOutcome(copy, "ImageCopied");
        // The same request again, after completion, under a new event ID (a replay of the registry's stream).
        TopicTap.publish(RegionTestResource.region().kafka().bootstrapServers(), "image-events", copy,
                copyRequested(copy, A, image, false));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(1,
                eventsOf(copy).stream().filter(e -> e.path("type").asText().equals("ImageCopied")).count()));
    }

    // --- helpers

    private List<String> storeBlocks(int count) {
        List<String> checksums = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            checksums.add(source.store(source.newBlock()));
        }
        return checksums;
    }

    private String requestCopy(String owner, String sourceImage, boolean copyTags) {
        String copy = SourceRegionFixture.id("ami-");
        TopicTap.publish(RegionTestResource.region().kafka().bootstrapServers(), "image-events", copy,
                copyRequested(copy, owner, sourceImage, copyTags));
        return copy;
    }

    static String copyRequested(String copy, String owner, String sourceImage, boolean copyTags) {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/regions/eu-west-1/"
                + "registry-service\",\"type\":\"ImageCopyRequested\",\"subject\":\"" + copy + "\",\"time\":\""
                + Instant.now() + "\",\"datacontenttype\":\"application/json\",\"region\":\"eu-west-1\","
                + "\"aggregateversion\":1,\"schemaversion\":1,\"data\":{\"imageId\":\"" + copy + "\",\"ownerId\":\"" + owner
                + "\",\"name\":\"copy of " + sourceImage + "\",\"sourceImageId\":\"" + sourceImage
                + "\",\"sourceRegion\":\"us-east-1\",\"copyImageTags\":" + copyTags + ",\"creationDate\":\""
                + Instant.now() + "\"}}";
        EventContract.assertConforms(envelope);
        return envelope;
    }

    /** Waits for the copy's final event, checks every event of the copy against the contract, returns the final one. */
    private static JsonNode awaitOutcome(String copy, String expectedType) {
        return awaitOutcome(copy, last -> last.path("type").asText().equals("ImageCopied")
                || last.path("type").asText().equals("ImageCopyFailed"), expectedType);
    }


    private boolean exists(String checksum) {
        try {
            destination.statObject(StatObjectArgs.builder().bucket("blocks")
                    .object("blocks/" + HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(checksum))).build());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
