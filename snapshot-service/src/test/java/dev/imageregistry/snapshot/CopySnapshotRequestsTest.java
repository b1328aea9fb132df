package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.CopiedSnapshotsTest.SOURCE_REGION;
import static dev.imageregistry.snapshot.CopiedSnapshotsTest.intoBucket;
import static dev.imageregistry.snapshot.CopiedSnapshotsTest.snapshotCopied;
import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.snapshot.domain.Snapshot;
import dev.imageregistry.snapshot.CopiedSnapshotsTest.Placed;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;

/**
 * CopySnapshot, the snapshot-service's half: {@code POST /snapshots/copy} makes the caller's pending snapshot and asks
 * for the copy (SnapshotCopyRequested); the test then answers on copy-events as this Region's region-replicator
 * would (SnapshotCopyProgressed, SnapshotCopied without imageId, SnapshotCopyFailed).
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class CopySnapshotRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An account that only this test's refusals use: whatever they left behind would be its. */
    private static final String REFUSED = "222233334444";

    @Inject
    DataSource db;

    @Test
    void aCopyIsPendingAtOnceThenCompletedByTheReplicatorsParts() throws Exception {
        String source = snapshotId();
        ValidatableResponse answer = copy(OWNER, Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", source,
                "Description", "nightly copy", "TagSpecifications", List.of(Map.of("ResourceType", "snapshot",
                        "Tags", List.of(Map.of("Key", "team", "Value", "os"), Map.of("Key", "empty"))))));
        String id = answer.statusCode(200).body("SnapshotId", matchesPattern("snap-[0-9a-f]{17}"),
                "Tags", equalTo(List.of(Map.of("Key", "team", "Value", "os"), Map.of("Key", "empty", "Value", ""))))
                .extract().path("SnapshotId");

        // Pending at once: the caller's, as asked, no size yet (not known before the copy completes).
        JsonPath pending = described(OWNER, id);
        assertEquals("pending", pending.getString("Status"));
        assertEquals(OWNER, pending.getString("OwnerId"));
        assertEquals("nightly copy", pending.getString("Description"));
        assertEquals("0%", pending.getString("Progress"));
        assertNull(pending.get("VolumeSize"), "no size is invented before the copy completes");
        assertNull(pending.get("TimeoutTime"), "a copy has no deadline here: the replicator answers");
        assertEquals(List.of(Map.of("Key", "team", "Value", "os"), Map.of("Key", "empty", "Value", "")),
                pending.getList("Tags"));
        // Nobody but the copy fills it (EBS's answer for a snapshot not open to writes), and nobody else sees it.
        invalid(put(OWNER, id, 0, block(8001), sha(block(8001))), "INVALID_SNAPSHOT_ID");
        invalid(completion(OWNER, id, 0, null), "INVALID_SNAPSHOT_ID");
        given().auth().oauth2(token(STRANGER)).queryParam("SnapshotId", id).get("/snapshots").then().statusCode(400)
                .body("Errors[0].Code", is("InvalidSnapshot.NotFound"));

        try (TopicTap snapshots = new TopicTap(bootstrap(), "snapshot-events")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> snapshots.recordsWithKey(id).size() == 1);
            String requested = snapshots.recordsWithKey(id).get(0).value();
            EventContract.assertConforms(requested);
            JsonPath event = JsonPath.from(requested);
            assertEquals("SnapshotCopyRequested", event.getString("type"));
            assertEquals(Map.of("snapshotId", id, "ownerId", OWNER, "sourceRegion", SOURCE_REGION,
                    "sourceSnapshotId", source, "description", "nightly copy"), Map.of("snapshotId",
                    event.getString("data.snapshotId"), "ownerId", event.getString("data.ownerId"), "sourceRegion",
                    event.getString("data.sourceRegion"), "sourceSnapshotId", event.getString("data.sourceSnapshotId"),
                    "description", event.getString("data.description")));
            assertEquals(List.of(Map.of("key", "team", "value", "os"), Map.of("key", "empty", "value", "")),
                    event.getList("data.tags"));

            // The replicator reports progress, then the map in two parts (the last one first), its blocks in the bucket.
            publishCopyEvent(id, "SnapshotCopyProgressed", JSON.createObjectNode().put("snapshotId", id)
                    .put("blocksDone", 1).put("blocksTotal", 3).put("bytesMoved", BLOCK).put("percent", 33));
            await().atMost(Duration.ofSeconds(20)).until(() -> "33%".equals(described(OWNER, id).getString("Progress")));
            List<Placed> blocks = List.of(new Placed(0, block(8101)), new Placed(5, block(8102)),
                    new Placed(2047, block(8103)));
            blocks.forEach(b -> intoBucket(b.data()));
            List<String> parts = snapshotCopied(null, id, source, blocks, 2);
            publishCopyEvent(id, parts.get(1));
            publishCopyEvent(id, parts.get(0));

            await().atMost(Duration.ofSeconds(20)).until(() -> "completed".equals(described(OWNER, id)
                    .getString("Status")));
            JsonPath completed = described(OWNER, id);
            assertEquals(1, completed.getInt("VolumeSize"));
            assertEquals("100%", completed.getString("Progress"));
            assertEquals("nightly copy", completed.getString("Description"), "the description asked for");
            assertEquals(aggregate(blocks.stream().map(Placed::data).toList()), completed.getString("Checksum"));
            given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks").then().statusCode(200)
                    .body("Blocks.BlockIndex", contains(0, 5, 2047), "VolumeSize", is(1));
            assertArrayEquals(blocks.get(1).data(), given().auth().oauth2(token(OWNER))
                    .get("/snapshots/" + id + "/blocks/5").then().statusCode(200).extract().asByteArray());

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(
                    List.of("SnapshotCopyRequested", "SnapshotBlocksRecorded", "SnapshotCompleted"),
                    types(snapshots, id)));
            snapshots.recordsWithKey(id).forEach(r -> EventContract.assertConforms(r.value()));
            JsonPath done = JsonPath.from(snapshots.recordsWithKey(id).get(2).value()).setRootPath("data");
            assertEquals(source, done.getString("sourceSnapshotId"));
            assertEquals(SOURCE_REGION, done.getString("sourceRegion"));
            assertEquals(1, done.getInt("volumeSize"));
            assertEquals(3, done.getInt("blockCount"));
            // The published stream folds to what DescribeSnapshots shows (the copy's size, the tags asked for).
            Snapshot folded = Snapshot.fold(snapshots.recordsWithKey(id).stream().map(r -> EventJson.read(r.value()))
                    .toList());
            assertEquals(completed.getString("Status"), folded.state().wire());
            assertEquals(completed.getInt("VolumeSize"), folded.volumeSize());
            assertEquals(Map.of("team", "os", "empty", ""), folded.tags());

            // Redelivered, and republished under new IDs, the parts change nothing (nor does a late failure).
            List<String> again = new ArrayList<>();
            parts.forEach(p -> publishCopyEvent(id, p));
            for (String p : parts) {
                again.add(withNewId(p));
            }
            again.add(failedEnvelope(id, source, "late"));
            again.forEach(p -> publishCopyEvent(id, p));
            await().atMost(Duration.ofSeconds(20)).until(() -> applied(again));
            assertEquals(List.of("SnapshotCopyRequested", "SnapshotBlocksRecorded", "SnapshotCompleted"),
                    types(snapshots, id));
            assertEquals("completed", described(OWNER, id).getString("Status"));
        }
    }

    @Test
    void aFailedCopyIsErrorWithItsReasonAndALateCopyChangesNothing() throws Exception {
        String source = snapshotId();
        String id = copy(OWNER, Map.of("SourceRegion", "us-east-1", "SourceSnapshotId", source)).statusCode(200)
                .body("Tags", empty()).extract().path("SnapshotId");
        await().atMost(Duration.ofSeconds(20)).until(() -> described(OWNER, id) != null);
        String failure = failedEnvelope(id, source, "The snapshot '" + source + "' does not exist.");
        publishCopyEvent(id, failure);
        await().atMost(Duration.ofSeconds(20)).until(() -> "error".equals(described(OWNER, id).getString("Status")));
        assertEquals("InvalidSnapshot.NotFound: The snapshot '" + source + "' does not exist.",
                described(OWNER, id).getString("StateMessage"));

        // The copy arriving after all (a replicator that raced its own failure) is not served.
        byte[] data = block(8201);
        intoBucket(data);
        List<String> late = snapshotCopied(null, id, source, List.of(new Placed(0, data)), 1);
        late.forEach(p -> publishCopyEvent(id, p));
        await().atMost(Duration.ofSeconds(20)).until(() -> applied(late));
        assertEquals("error", described(OWNER, id).getString("Status"));
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks").then().statusCode(200)
                .body("Blocks", hasSize(0));
        try (TopicTap snapshots = new TopicTap(bootstrap(), "snapshot-events")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(
                    List.of("SnapshotCopyRequested", "SnapshotFailed"), types(snapshots, id)));
            snapshots.recordsWithKey(id).forEach(r -> EventContract.assertConforms(r.value()));
            assertEquals("InvalidSnapshot.NotFound", JsonPath.from(snapshots.recordsWithKey(id).get(1).value())
                    .getString("data.stateReason.code"));
        }
    }

    @Test
    void aPendingCopyMayBeDeletedAndTheCopyArrivingLaterChangesNothing() throws Exception {
        String source = snapshotId();
        String id = copy(OWNER, Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", source)).statusCode(200)
                .extract().path("SnapshotId");
        given().auth().oauth2(token(OTHER)).delete("/snapshots/" + id).then().statusCode(400)
                .body("Errors[0].Code", is("InvalidSnapshot.NotFound"));
        given().auth().oauth2(token(OWNER)).delete("/snapshots/" + id).then().statusCode(200).body("Return", is(true));
        byte[] data = block(8301);
        intoBucket(data);
        List<String> late = snapshotCopied(null, id, source, List.of(new Placed(3, data)), 1);
        late.forEach(p -> publishCopyEvent(id, p));
        await().atMost(Duration.ofSeconds(20)).until(() -> applied(late));
        given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", id).get("/snapshots").then().statusCode(400)
                .body("Errors[0].Code", is("InvalidSnapshot.NotFound"));
        try (TopicTap snapshots = new TopicTap(bootstrap(), "snapshot-events")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(
                    List.of("SnapshotCopyRequested", "SnapshotDeleted"), types(snapshots, id)));
        }
    }

    @Test
    void refusalsAreEc2sAndLeaveNothingBehind() {
        String source = snapshotId();
        refused(copy(REFUSED, Map.of()), "MissingParameter");
        refused(given().auth().oauth2(token(REFUSED)).contentType(ContentType.JSON).post("/snapshots/copy").then(),
                "MissingParameter");
        refused(copy(REFUSED, Map.of("SourceSnapshotId", source)), "MissingParameter");
        refused(copy(REFUSED, Map.of("SourceRegion", SOURCE_REGION)), "MissingParameter");
        refused(copy(REFUSED, Map.of("SourceRegion", "Europe (Ireland)", "SourceSnapshotId", source)),
                "InvalidParameterValue");
        refused(copy(REFUSED, Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", "snap-123")),
                "InvalidSnapshotID.Malformed");
        refused(copy(REFUSED, Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", "ami-0123456789abcdef0")),
                "InvalidSnapshotID.Malformed");
        refused(copy(REFUSED, Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", "snap-0123abcd")),
                "InvalidSnapshot.NotFound");
        refused(copy(REFUSED, Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", source,
                "Description", "d".repeat(256))), "InvalidParameterValue");
        refused(copy(REFUSED, tagged(source, "image", List.of(Map.of("Key", "k", "Value", "v")))),
                "InvalidParameterValue");
        refused(copy(REFUSED, tagged(source, "snapshot", List.of(Map.of("Key", "aws:name", "Value", "v")))),
                "InvalidParameterValue");
        refused(copy(REFUSED, tagged(source, "snapshot", List.of(Map.of("Key", "k", "Value", "v".repeat(257))))),
                "InvalidParameterValue");
        List<Map<String, String>> fiftyOne = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            fiftyOne.add(Map.of("Key", "k" + i, "Value", "v"));
        }
        refused(copy(REFUSED, tagged(source, "snapshot", fiftyOne)), "TagLimitExceeded");
        refused(given().auth().oauth2(token(REFUSED)).contentType(ContentType.JSON).body("{\"SourceRegion\":")
                .post("/snapshots/copy").then(), "InvalidParameterValue");
        given().contentType(ContentType.JSON).body(Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", source))
                .post("/snapshots/copy").then().statusCode(401).body("Errors[0].Code", is("AuthFailure"));

        given().auth().oauth2(token(REFUSED)).queryParam("Owner", "self").get("/snapshots").then().statusCode(200)
                .body("Snapshots", hasSize(0));
        try (TopicTap snapshots = new TopicTap(bootstrap(), "snapshot-events")) {
            assertTrue(snapshots.records().stream().noneMatch(r -> r.value().contains(REFUSED)),
                    "no event of the refused account");
        }
    }

    @Test
    void copyProgressRebuildsToTheSameAnswers() throws Exception {
        String halfway = copy(OWNER, Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", snapshotId()))
                .statusCode(200).extract().path("SnapshotId");
        String counted = copy(OWNER, Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", snapshotId()))
                .statusCode(200).extract().path("SnapshotId");
        List<String> reports = new ArrayList<>();
        reports.add(publishCopyEvent(halfway, "SnapshotCopyProgressed", JSON.createObjectNode().put("snapshotId", halfway)
                .put("blocksDone", 5).put("blocksTotal", 10).put("percent", 50)));
        // Less than before (a resumed copy): the progress shown does not go back.
        reports.add(publishCopyEvent(halfway, "SnapshotCopyProgressed", JSON.createObjectNode()
                .put("snapshotId", halfway).put("blocksDone", 2).put("blocksTotal", 10).put("percent", 20)));
        // No percent: the share of blocks done.
        reports.add(publishCopyEvent(counted, "SnapshotCopyProgressed", JSON.createObjectNode()
                .put("snapshotId", counted).put("blocksDone", 3).put("blocksTotal", 4)));
        await().atMost(Duration.ofSeconds(20)).until(() -> "75%".equals(described(OWNER, counted)
                .getString("Progress")));
        await().atMost(Duration.ofSeconds(20)).until(() -> "50%".equals(described(OWNER, halfway)
                .getString("Progress")));
        await().atMost(Duration.ofSeconds(20)).until(() -> applied("copy-progress", reports));

        String live = describedBoth(halfway, counted);
        List<String> liveRows = progressRows();
        given().auth().oauth2(operatorToken()).post("/admin/read-models/copy-progress/rebuild").then().statusCode(200)
                .body("EventsReplayed", greaterThan(2));
        assertEquals(liveRows, progressRows(), "the rebuilt view equals the live one");
        assertEquals(live, describedBoth(halfway, counted), "DescribeSnapshots answers the same after the rebuild");
        assertEquals("50%", described(OWNER, halfway).getString("Progress"));
        assertEquals("75%", described(OWNER, counted).getString("Progress"));
    }

    private static String describedBoth(String first, String second) {
        return given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", first).queryParam("SnapshotId", second)
                .get("/snapshots").then().statusCode(200).extract().asString();
    }

    private List<String> progressRows() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("select snapshot_id, "
                + "blocks_done, blocks_total, percent from snapshot_copy_progress order by 1");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getLong(2) + "/" + rs.getLong(3) + " " + rs.getInt(4));
            }
        }
        return rows;
    }

    private static ValidatableResponse copy(String account, Map<String, ?> body) {
        return given().auth().oauth2(token(account)).contentType(ContentType.JSON).body(body).post("/snapshots/copy")
                .then();
    }

    private static Map<String, Object> tagged(String source, String resourceType, List<Map<String, String>> tags) {
        return Map.of("SourceRegion", SOURCE_REGION, "SourceSnapshotId", source, "TagSpecifications",
                List.of(Map.of("ResourceType", resourceType, "Tags", tags)));
    }

    private static void refused(ValidatableResponse answer, String code) {
        answer.statusCode(anyOf(is(400), is(404))).contentType(ContentType.JSON).body("Errors[0].Code", is(code),
                "Errors[0].Message", notNullValue(), "RequestID", notNullValue());
    }

    /** The snapshot as DescribeSnapshots shows it to {@code account} (null: not there yet). */
    private static JsonPath described(String account, String snapshotId) {
        List<Map<String, Object>> found = given().auth().oauth2(token(account)).queryParam("SnapshotId", snapshotId)
                .get("/snapshots").then().statusCode(200).extract().path("Snapshots");
        return found.isEmpty() ? null : JsonPath.from(given().auth().oauth2(token(account))
                .queryParam("SnapshotId", snapshotId).get("/snapshots").asString()).setRootPath("Snapshots[0]");
    }

    private static String publishCopyEvent(String snapshotId, String type, ObjectNode data) {
        ObjectNode envelope = JSON.createObjectNode().put("specversion", "1.0").put("id", UUID.randomUUID().toString())
                .put("source", "/regions/us-east-1/region-replicator").put("type", type).put("subject", snapshotId)
                .put("time", Instant.now().toString()).put("datacontenttype", "application/json")
                .put("region", "us-east-1").put("aggregateversion", 1).put("schemaversion", 1);
        envelope.set("data", data);
        publishCopyEvent(snapshotId, envelope.toString());
        return envelope.toString();
    }

    /** Publishes on copy-events as the replicator would, keyed by the new snapshot, after checking the contract. */
    private static void publishCopyEvent(String snapshotId, String json) {
        EventContract.assertConforms(json);
        TopicTap.publish(bootstrap(), "copy-events", snapshotId, json);
    }

    private static String failedEnvelope(String snapshotId, String source, String message) {
        ObjectNode data = JSON.createObjectNode().put("snapshotId", snapshotId).put("sourceSnapshotId", source)
                .put("sourceRegion", SOURCE_REGION);
        data.putObject("stateReason").put("code", "InvalidSnapshot.NotFound").put("message", message);
        ObjectNode envelope = JSON.createObjectNode().put("specversion", "1.0").put("id", UUID.randomUUID().toString())
                .put("source", "/regions/us-east-1/region-replicator").put("type", "SnapshotCopyFailed")
                .put("subject", snapshotId).put("time", Instant.now().toString())
                .put("datacontenttype", "application/json").put("region", "us-east-1").put("aggregateversion", 9)
                .put("schemaversion", 1);
        envelope.set("data", data);
        return envelope.toString();
    }

    private static String withNewId(String json) {
        try {
            ObjectNode envelope = (ObjectNode) JSON.readTree(json);
            envelope.put("id", UUID.randomUUID().toString());
            return envelope.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The copy intake has consumed every one of these envelopes (the platform records each event's ID). */
    private boolean applied(List<String> envelopes) throws Exception {
        return applied("copied-snapshots", envelopes);
    }

    private boolean applied(String readModel, List<String> envelopes) throws Exception {
        for (String envelope : envelopes) {
            String eventId = JsonPath.from(envelope).getString("id");
            try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                    "select 1 from applied_event where read_model = ? and event_id = ?::uuid")) {
                s.setString(1, readModel);
                s.setString(2, eventId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private long count(String sql) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String snapshotId() {
        return "snap-" + UUID.randomUUID().toString().replace("-", "").substring(0, 17);
    }

    private static List<String> types(TopicTap tap, String key) {
        return tap.recordsWithKey(key).stream().map(r -> JsonPath.from(r.value()).getString("type")).toList();
    }
}
