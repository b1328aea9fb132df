package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.minio.PutObjectArgs;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** Snapshots the region-replicator copied into this Region (SnapshotCopied on copy-events) become completed here. */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class CopiedSnapshotsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SOURCE_REGION = "eu-west-1";

    /** One block of a copied map: its index and content. */
    record Placed(int index, byte[] data) {
    }

    @Test
    void allPartsOfACopiedSnapshotMakeACompletedSnapshotReadableByItsOwner() {
        String imageId = imageId();
        String snapshotId = snapshotId();
        String sourceId = snapshotId();
        List<Placed> blocks = List.of(new Placed(0, block(7001)), new Placed(3, block(7002)),
                new Placed(2047, block(7003)));
        blocks.forEach(b -> intoBucket(b.data()));
        List<String> parts = snapshotCopied(imageId, snapshotId, sourceId, blocks, 2);
        // The last part first: nothing may be created before every part has arrived.
        publish(imageId, parts.get(1));
        publish(imageId, parts.get(0));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(token(OWNER))
                .queryParam("SnapshotId", snapshotId).get("/snapshots").then().statusCode(200)
                .body("Snapshots", hasSize(1), "Snapshots[0].Status", is("completed"),
                        "Snapshots[0].OwnerId", is(OWNER), "Snapshots[0].VolumeSize", is(1)));
        for (Placed b : blocks) {
            byte[] read = given().auth().oauth2(token(OWNER)).get("/snapshots/" + snapshotId + "/blocks/" + b.index())
                    .then().statusCode(200).header("x-amz-Checksum", sha(b.data())).extract().asByteArray();
            assertArrayEquals(b.data(), read);
        }
        assertArrayEquals(new byte[BLOCK], given().auth().oauth2(token(OWNER))
                .get("/snapshots/" + snapshotId + "/blocks/1").then().statusCode(200).extract().asByteArray());
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + snapshotId + "/blocks").then().statusCode(200)
                .body("Blocks.BlockIndex", contains(0, 3, 2047));
        notFound(given().auth().oauth2(token(STRANGER)).get("/snapshots/" + snapshotId + "/blocks/0"));

        try (TopicTap tap = new TopicTap(bootstrap(), "snapshot-events")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(
                    List.of("SnapshotStarted", "SnapshotBlocksRecorded", "SnapshotCompleted"), types(tap, snapshotId)));
            tap.recordsWithKey(snapshotId).forEach(r -> EventContract.assertConforms(r.value()));
            JsonPath recorded = JsonPath.from(tap.recordsWithKey(snapshotId).get(1).value()).setRootPath("data");
            assertEquals(List.of(0, 3, 2047), recorded.getList("blocks.index"));
            assertEquals(aggregate(blocks.stream().map(Placed::data).toList()), recorded.getString("mapChecksum"));
            JsonPath completed = JsonPath.from(tap.recordsWithKey(snapshotId).get(2).value()).setRootPath("data");
            assertEquals(sourceId, completed.getString("sourceSnapshotId"));
            assertEquals(SOURCE_REGION, completed.getString("sourceRegion"));
            assertEquals(3, completed.getInt("blockCount"));
            assertEquals(recorded.getString("mapChecksum"), completed.getString("aggregateChecksum"));
        }
    }

    @Test
    void replayingCopyEventsChangesNothingEvenAfterTheSnapshotWasDeleted() {
        String imageId = imageId();
        String kept = snapshotId();
        String deleted = snapshotId();
        List<Placed> blocks = List.of(new Placed(1, block(7101)), new Placed(5, block(7102)));
        blocks.forEach(b -> intoBucket(b.data()));
        List<String> keptParts = snapshotCopied(imageId, kept, snapshotId(), blocks, 1);
        List<String> deletedParts = snapshotCopied(imageId, deleted, snapshotId(), blocks.subList(0, 1), 1);
        keptParts.forEach(p -> publish(imageId, p));
        deletedParts.forEach(p -> publish(imageId, p));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(token(OWNER))
                .queryParam("SnapshotId", kept).queryParam("SnapshotId", deleted).get("/snapshots").then()
                .statusCode(200).body("Snapshots.Status", contains("completed", "completed")));
        given().auth().oauth2(token(OWNER)).delete("/snapshots/" + deleted).then().statusCode(200);

        // The same envelopes again (redelivery), and the same parts under new event IDs (a republishing
        // replicator), then a marker copy on the same key: once the marker exists, the replay has been consumed.
        keptParts.forEach(p -> publish(imageId, p));
        deletedParts.forEach(p -> publish(imageId, p));
        keptParts.forEach(p -> publish(imageId, withNewId(p)));
        deletedParts.forEach(p -> publish(imageId, withNewId(p)));
        String marker = snapshotId();
        snapshotCopied(imageId, marker, snapshotId(), blocks, 1).forEach(p -> publish(imageId, p));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(token(OWNER))
                .queryParam("SnapshotId", marker).get("/snapshots").then().statusCode(200)
                .body("Snapshots", hasSize(1)));

        given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", deleted).get("/snapshots").then()
                .statusCode(400).body("Errors[0].Code", is("InvalidSnapshot.NotFound"));
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + kept + "/blocks").then().statusCode(200)
                .body("Blocks.BlockIndex", contains(1, 5));
        try (TopicTap tap = new TopicTap(bootstrap(), "snapshot-events")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(
                    List.of("SnapshotStarted", "SnapshotBlocksRecorded", "SnapshotCompleted"), types(tap, marker)));
            assertEquals(List.of("SnapshotStarted", "SnapshotBlocksRecorded", "SnapshotCompleted"), types(tap, kept));
            assertEquals(List.of("SnapshotStarted", "SnapshotBlocksRecorded", "SnapshotCompleted", "SnapshotDeleted"),
                    types(tap, deleted));
        }
    }

    @Test
    void aMapThatDoesNotMatchItsChecksumIsNeverServed() {
        String imageId = imageId();
        String snapshotId = snapshotId();
        byte[] data = block(7201);
        intoBucket(data);
        String part = snapshotCopied(imageId, snapshotId, snapshotId(), List.of(new Placed(0, data)), 1).get(0);
        ObjectNode tampered = (ObjectNode) read(part);
        ((ObjectNode) tampered.get("data")).put("aggregateChecksum", sha(block(7202)));
        String json = tampered.toString();
        EventContract.assertConforms(json);
        publish(imageId, json);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(token(OWNER))
                .queryParam("SnapshotId", snapshotId).get("/snapshots").then().statusCode(200)
                .body("Snapshots[0].Status", is("error")));
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + snapshotId + "/blocks").then().statusCode(200)
                .body("Blocks", hasSize(0));
    }

    /**
     * The SnapshotCopied envelopes the replicator would publish, the map cut into {@code parts} parts: of an image's
     * copy, or without {@code imageId} of a CopySnapshot (keyed by the snapshot, the last part with the copy's
     * figures).
     */
    static List<String> snapshotCopied(String imageId, String snapshotId, String sourceSnapshotId, List<Placed> blocks,
            int parts) {
        String aggregate = aggregate(blocks.stream().map(Placed::data).toList());
        int perPart = (blocks.size() + parts - 1) / parts;
        List<String> envelopes = new ArrayList<>();
        for (int part = 0; part < parts; part++) {
            ObjectNode data = JSON.createObjectNode();
            if (imageId != null) {
                data.put("imageId", imageId);
            }
            data.put("snapshotId", snapshotId)
                    .put("sourceSnapshotId", sourceSnapshotId).put("sourceRegion", SOURCE_REGION).put("ownerId", OWNER)
                    .put("volumeSize", 1).put("aggregateChecksum", aggregate)
                    .put("description", "Copied from " + sourceSnapshotId).put("part", part + 1).put("parts", parts);
            if (imageId == null && part == parts - 1) {
                data.put("bytesMoved", (long) blocks.size() * BLOCK).put("blocksSkipped", 0);
            }
            var list = data.putArray("blocks");
            for (Placed b : blocks.subList(Math.min(blocks.size(), part * perPart),
                    Math.min(blocks.size(), (part + 1) * perPart))) {
                list.addObject().put("index", b.index()).put("checksum", sha(b.data()));
            }
            ObjectNode envelope = JSON.createObjectNode().put("specversion", "1.0")
                    .put("id", UUID.randomUUID().toString()).put("source", "/regions/us-east-1/region-replicator")
                    .put("type", "SnapshotCopied").put("subject", imageId != null ? imageId : snapshotId)
                    .put("time", Instant.now().toString())
                    .put("datacontenttype", "application/json").put("region", "us-east-1")
                    .put("aggregateversion", 10 + part).put("schemaversion", 1);
            envelope.set("data", data);
            String json = envelope.toString();
            EventContract.assertConforms(json);
            envelopes.add(json);
        }
        return envelopes;
    }

    /** What the replicator does before publishing: the block's object is in this Region's bucket. */
    static void intoBucket(byte[] data) {
        try {
            bucketClient().putObject(PutObjectArgs.builder().bucket(BUCKET).object("blocks/" + hex(data))
                    .stream(new ByteArrayInputStream(data), data.length, -1).build());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void publish(String imageId, String json) {
        TopicTap.publish(bootstrap(), "copy-events", imageId, json);
    }

    private static String withNewId(String json) {
        ObjectNode envelope = (ObjectNode) read(json);
        envelope.put("id", UUID.randomUUID().toString());
        return envelope.toString();
    }

    private static com.fasterxml.jackson.databind.JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String snapshotId() {
        return "snap-" + UUID.randomUUID().toString().replace("-", "").substring(0, 17);
    }

    private static List<String> types(TopicTap tap, String key) {
        return tap.recordsWithKey(key).stream().map(r -> JsonPath.from(r.value()).getString("type")).toList();
    }
}
