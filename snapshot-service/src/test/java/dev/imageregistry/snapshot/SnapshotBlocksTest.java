package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.persistence.BlockObjects;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class SnapshotBlocksTest {
    @Inject
    BlockObjects objects;

    @Test
    void startsPendingSnapshotsWithEc2Ids() {
        given().auth().oauth2(token(OWNER)).contentType("application/json")
                .body("{\"VolumeSize\":2,\"Description\":\"root disk\",\"Tags\":[{\"Key\":\"team\",\"Value\":\"os\"}]}")
                .post("/snapshots").then().statusCode(201)
                .body("SnapshotId", matchesPattern("snap-[0-9a-f]{17}"), "Status", is("pending"),
                        "VolumeSize", is(2), "BlockSize", is(524288), "OwnerId", is(OWNER));
        // The parameters' rules are SnapshotTest's; one refusal shows the resource asks them.
        invalid(given().auth().oauth2(token(OWNER)).contentType("application/json").body("{}").post("/snapshots"),
                "INVALID_VOLUME_SIZE");
    }

    @Test
    void clientTokenMakesStartIdempotent() {
        String body = "{\"VolumeSize\":1,\"ClientToken\":\"start-once-1\"}";
        String first = given().auth().oauth2(token(OWNER)).contentType("application/json").body(body)
                .post("/snapshots").then().statusCode(201).extract().path("SnapshotId");
        given().auth().oauth2(token(OWNER)).contentType("application/json").body(body)
                .post("/snapshots").then().statusCode(201).body("SnapshotId", is(first));
        refusedAs(given().auth().oauth2(token(OWNER)).contentType("application/json")
                .body("{\"VolumeSize\":2,\"ClientToken\":\"start-once-1\"}").post("/snapshots"),
                409, "ConflictException", null);
    }

    @Test
    void blockWithWrongChecksumIsRefusedAndNothingIsStored() {
        String id = start(OWNER, 1, null);
        byte[] data = block(101);
        List<String> before = objectKeys();
        Response mismatch = put(OWNER, id, 0, data, sha(block(102)));
        invalid(mismatch, "INVALID_PARAMETER_VALUE");
        mismatch.then().body("Message", containsString("x-amz-Checksum"));
        invalid(put(OWNER, id, 0, data, "not-base64!"), "INVALID_PARAMETER_VALUE");
        assertEquals(before, objectKeys(), "a refused block must not reach the bucket");
        assertFalse(objectKeys().contains("blocks/" + hex(data)));
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks").then().statusCode(200)
                .body("Blocks", empty());
    }

    /**
     * Block PUTs are signed with the SHA-256 the service computed (x-amz-content-sha256) instead of letting the S3
     * client hash the body again: the S3 server itself must refuse a body that does not match it, so an object
     * named blocks/<sha256> can never hold other bytes (and a bug that signed the wrong hash would show here).
     */
    @Test
    void theS3ServerRefusesABlockWhoseBodyDiffersFromTheSignedChecksum() {
        byte[] data = block(103);
        BlockChecksum other = BlockChecksum.of(block(104));
        List<String> before = objectKeys();
        Ec2Exception refused = assertThrows(Ec2Exception.class, () -> objects.put(other, data));
        assertTrue(refused.getMessage().contains("refused"), refused.getMessage());
        assertEquals(before, objectKeys(), "the S3 server stored nothing");
        // The same client with the right checksum stores the block, under its own name, and it reads back intact.
        objects.put(BlockChecksum.of(data), data);
        assertTrue(objectKeys().contains("blocks/" + hex(data)));
        assertArrayEquals(data, objects.get(BlockChecksum.of(data)));
    }

    /**
     * Block bodies are read into reused arrays: a short body that arrives after a full block must still be refused
     * as short, not completed with what the previous write left in the array.
     */
    @Test
    void aShortBodyAfterAFullBlockIsRefusedEvenWithReusedBuffers() {
        String id = start(OWNER, 1, null);
        byte[] full = block(105);
        for (int i = 0; i < 20; i++) {
            // More writes than the service keeps arrays, so every pooled array has held this block.
            put(OWNER, id, i, full, sha(full)).then().statusCode(201);
        }
        byte[] prefix = java.util.Arrays.copyOf(full, BLOCK - 1);
        // The checksum of the whole block: only the leftover last byte would make the short body "match".
        put(OWNER, id, 30, prefix, sha(full)).then().statusCode(400)
                .header("x-amzn-ErrorType", "ValidationException").body("Message", containsString("524288"));
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks").then().statusCode(200)
                .body("Blocks.BlockIndex", not(hasItem(30)));
    }

    /**
     * A block write decides from the snapshot's row (the aggregate's cache): the rules themselves (index, size,
     * owner, state) are SnapshotTest's; this shows the row is read and asked, for the owner and for another account.
     */
    @Test
    void blocksOutsideTheVolumeOrOfTheWrongSizeAreRefused() {
        String id = start(OWNER, 1, null);
        invalid(put(OWNER, id, 2048, block(1), sha(block(1))), "INVALID_BLOCK");
        invalid(put(OWNER, id, -1, block(1), sha(block(1))), "INVALID_BLOCK");
        byte[] small = new byte[1000];
        Response wrongSize = put(OWNER, id, 0, small, sha(small));
        invalid(wrongSize, "INVALID_PARAMETER_VALUE");
        wrongSize.then().body("Message", containsString("524288"));
        put(OWNER, id, 2047, block(1), sha(block(1))).then().statusCode(201)
                .header("x-amz-Checksum", sha(block(1))).header("x-amz-Checksum-Algorithm", "SHA256");
        // Not the owner: the snapshot does not exist for this caller.
        notFound(put(OTHER, id, 0, block(1), sha(block(1))));
    }

    @Test
    void aggregateChecksumAndChangedCountAreVerifiedOnCompletion() {
        byte[] a = block(201);
        byte[] b = block(202);
        byte[] c = block(203);
        String good = start(OWNER, 1, null);
        put(OWNER, good, 7, c);
        put(OWNER, good, 3, a);
        put(OWNER, good, 3, b); // the last write of an index wins
        assertEquals("completed", complete(OWNER, good, 2, aggregate(List.of(b, c))));
        given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", good).get("/snapshots").then().statusCode(200)
                .body("Snapshots[0].Status", is("completed"), "Snapshots[0].ChangedBlocksCount", is(2),
                        "Snapshots[0].Checksum", is(aggregate(List.of(b, c))));
        invalid(put(OWNER, good, 1, a, sha(a)), "INVALID_SNAPSHOT_ID");
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + good + "/blocks/3").then().statusCode(200)
                .header("x-amz-Checksum", sha(b));

        String wrongChecksum = start(OWNER, 1, null);
        put(OWNER, wrongChecksum, 0, a);
        assertEquals("error", complete(OWNER, wrongChecksum, 1, aggregate(List.of(b))));
        given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", wrongChecksum).get("/snapshots").then()
                .body("Snapshots[0].Status", is("error"), "Snapshots[0].StateMessage", containsString("ChecksumMismatch"));
        // A wrong ChangedBlocksCount fails the same way (SnapshotTest.aMismatchFailsTheSnapshotItIsNotARefusal).
    }

    /**
     * A block object whose bytes were changed in the bucket (a disk, an operator) is never served as good data:
     * GetSnapshotBlock fails with EBS's server error, the corrupt-block counter and the log say so, and once the
     * object holds its bytes again the block reads as before.
     */
    @Test
    void aBlockObjectCorruptedInTheBucketIsNeverServed() throws Exception {
        byte[] data = block(311);
        String id = start(OWNER, 1, null);
        put(OWNER, id, 0, data);
        complete(OWNER, id, 1, aggregate(List.of(data)));
        byte[] damaged = data.clone();
        damaged[1000] ^= 0x01;
        overwrite(data, damaged);
        try {
            given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks/0").then().statusCode(500)
                    .header("x-amzn-ErrorType", "InternalServerException")
                    .body("Message", containsString("failed its SHA-256 check"));
            given().get("/q/metrics").then().statusCode(200)
                    .body(matchesRegex("(?s).*imageregistry_blocks_corrupt_total(\\{[^}]*\\})? [1-9].*"));
        } finally {
            overwrite(data, data);
        }
        assertArrayEquals(data, given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks/0").then()
                .statusCode(200).header("x-amz-Checksum", sha(data)).extract().asByteArray());
    }

    /** Puts {@code bytes} into the bucket under the object that names {@code content}, as a bad disk would. */
    private static void overwrite(byte[] content, byte[] bytes) throws Exception {
        bucketClient().putObject(io.minio.PutObjectArgs.builder().bucket(BUCKET).object("blocks/" + hex(content))
                .stream(new java.io.ByteArrayInputStream(bytes), bytes.length, -1).build());
    }

    @Test
    void neverWrittenBlocksReadAsZeros() {
        byte[] data = block(301);
        String id = start(OWNER, 1, null);
        put(OWNER, id, 5, data);
        complete(OWNER, id, 1, aggregate(List.of(data)));
        String blockToken = given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks").then()
                .statusCode(200).body("Blocks.BlockIndex", contains(5), "VolumeSize", is(1), "BlockSize", is(BLOCK))
                .extract().path("Blocks[0].BlockToken");
        byte[] zero = given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks/4").then().statusCode(200)
                .header("x-amz-Checksum", sha(new byte[BLOCK])).extract().asByteArray();
        assertArrayEquals(new byte[BLOCK], zero);
        byte[] read = given().auth().oauth2(token(OWNER)).queryParam("blockToken", blockToken)
                .get("/snapshots/" + id + "/blocks/5").then().statusCode(200).header("x-amz-Checksum", sha(data))
                .extract().asByteArray();
        assertArrayEquals(data, read);
        invalid(given().auth().oauth2(token(OWNER)).queryParam("blockToken", "bogus").get("/snapshots/" + id + "/blocks/5"),
                "INVALID_BLOCK_TOKEN");
        invalid(given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks/2048"), "INVALID_BLOCK");
        notFound(given().auth().oauth2(token(STRANGER)).get("/snapshots/" + id + "/blocks/5"));
        invalid(given().auth().oauth2(token(OWNER)).get("/snapshots/snap-nothex/blocks/5"), "INVALID_SNAPSHOT_ID");
        // An older, 8-digit ID is well formed: not there is not found, as on EC2.
        notFound(given().auth().oauth2(token(OWNER)).get("/snapshots/snap-1a2b3c4d/blocks/5"));
        // DescribeSnapshots is EC2's call, with EC2's errors.
        given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", "snap-1a2b3c4d").get("/snapshots").then()
                .statusCode(400).body("Errors[0].Code", is("InvalidSnapshot.NotFound"));
    }

    @Test
    void incrementalSnapshotsInheritTheParentAndListChangedBlocks() {
        byte[] p0 = block(401);
        byte[] p1 = block(402);
        byte[] p2 = block(403);
        String parent = snapshotOf(OWNER, null, p0, p1, p2);
        byte[] c1 = block(404);
        byte[] c3 = block(405);
        String child = start(OWNER, 1, parent);
        put(OWNER, child, 1, c1);
        put(OWNER, child, 3, c3);
        // The aggregate covers only the blocks this snapshot wrote.
        assertEquals("completed", complete(OWNER, child, 2, aggregate(List.of(c1, c3))));

        given().auth().oauth2(token(OWNER)).get("/snapshots/" + child + "/blocks").then().statusCode(200)
                .body("Blocks.BlockIndex", contains(0, 1, 2, 3));
        given().auth().oauth2(token(OWNER)).queryParam("firstSnapshotId", parent)
                .get("/snapshots/" + child + "/changedblocks").then().statusCode(200)
                .body("ChangedBlocks.BlockIndex", contains(1, 3),
                        "ChangedBlocks[0].FirstBlockToken", notNullValue(),
                        "ChangedBlocks[1].FirstBlockToken", nullValue(),
                        "ChangedBlocks[1].SecondBlockToken", notNullValue());
        assertArrayEquals(p0, given().auth().oauth2(token(OWNER)).get("/snapshots/" + child + "/blocks/0")
                .then().statusCode(200).extract().asByteArray());
        assertArrayEquals(c1, given().auth().oauth2(token(OWNER)).get("/snapshots/" + child + "/blocks/1")
                .then().statusCode(200).extract().asByteArray());
        assertArrayEquals(p1, given().auth().oauth2(token(OWNER)).get("/snapshots/" + parent + "/blocks/1")
                .then().statusCode(200).extract().asByteArray());
        // The block list from an index on: startingBlockIndex.
        given().auth().oauth2(token(OWNER)).queryParam("startingBlockIndex", 2)
                .get("/snapshots/" + child + "/blocks").then().body("Blocks.BlockIndex", contains(2, 3));
    }

    @Test
    void blockListsArePaginated() {
        String id = start(OWNER, 1, null);
        byte[] data = block(501);
        put(OWNER, id, 0, data);
        // The other 119 entries by reference to the stored content (two direct-upload batches): the map is what
        // is paginated, and 119 more block bodies through the service would only make the test slow.
        for (int from = 1; from < 120; from += 100) {
            DirectUploadTest.references(OWNER, id, DirectUploadTest.batch(java.util.stream.IntStream
                    .range(from, Math.min(120, from + 100)).boxed().flatMap(i -> java.util.stream.Stream.of(i, data))
                    .toArray())).then().statusCode(200);
        }
        String next = given().auth().oauth2(token(OWNER)).queryParam("maxResults", 100)
                .get("/snapshots/" + id + "/blocks").then().statusCode(200).body("Blocks", hasSize(100))
                .extract().path("NextToken");
        given().auth().oauth2(token(OWNER)).queryParam("maxResults", 100).queryParam("pageToken", next)
                .get("/snapshots/" + id + "/blocks").then().statusCode(200).body("Blocks", hasSize(20),
                        "Blocks[0].BlockIndex", is(100), "NextToken", nullValue());
        invalid(given().auth().oauth2(token(OWNER)).queryParam("maxResults", 5).get("/snapshots/" + id + "/blocks"),
                "INVALID_PARAMETER_VALUE");
    }

    @Test
    void describeFiltersByStatusAndOwner() {
        String done = snapshotOf(OWNER, null, block(601));
        String pending = start(OWNER, 1, null);
        given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", done, pending)
                .queryParam("Filter.1.Name", "status").queryParam("Filter.1.Value.1", "pending")
                .get("/snapshots").then().statusCode(200).body("Snapshots.SnapshotId", contains(pending));
        given().auth().oauth2(token(OTHER)).queryParam("SnapshotId", done).get("/snapshots").then().statusCode(400)
                .body("Errors[0].Code", is("InvalidSnapshot.NotFound"));
        given().auth().oauth2(token(OTHER)).queryParam("Owner", "self").get("/snapshots").then().statusCode(200)
                .body("Snapshots.SnapshotId", not(hasItem(done)));
        given().auth().oauth2(token(OWNER)).queryParam("Owner", "self").queryParam("MaxResults", 5).get("/snapshots")
                .then().statusCode(200).body("Snapshots", hasSize(5), "NextToken", notNullValue());
        given().auth().oauth2(token(OWNER)).queryParam("Filter.1.Name", "bogus").queryParam("Filter.1.Value.1", "x")
                .get("/snapshots").then().statusCode(400);
    }

    @Test
    void publishesSnapshotEventsThatMatchTheContract() {
        byte[] data = block(701);
        String id = snapshotOf(OWNER, null, data);
        SnapshotTagsTest.createTags(OWNER, id, Map.of("team", "os", "env", "test")).statusCode(200);
        SnapshotTagsTest.deleteTags(OWNER, id, "[{\"Key\":\"env\"}]").statusCode(200);
        String failed = start(OWNER, 1, null);
        complete(OWNER, failed, 1, aggregate(List.of(data)));
        SnapshotTagsTest.createTags(OWNER, failed, Map.of("state", "error")).statusCode(200);
        given().auth().oauth2(token(OWNER)).delete("/snapshots/" + failed).then().statusCode(200);
        try (TopicTap tap = new TopicTap(bootstrap(), "snapshot-events")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertEquals(List.of("SnapshotStarted", "SnapshotBlocksRecorded", "SnapshotCompleted", "SnapshotTagged",
                        "SnapshotUntagged"), tap.recordsWithKey(id).stream().map(r -> type(r)).toList());
                assertEquals(List.of("SnapshotStarted", "SnapshotFailed", "SnapshotTagged", "SnapshotDeleted"),
                        tap.recordsWithKey(failed).stream().map(r -> type(r)).toList());
            });
            tap.records().forEach(r -> EventContract.assertConforms(r.value()));
            // The stream alone gives the tags DescribeSnapshots shows: SnapshotStarted's, then each change in order.
            Map<String, String> folded = new LinkedHashMap<>();
            long version = 0;
            for (ConsumerRecord<String, String> record : tap.recordsWithKey(id)) {
                JsonPath event = JsonPath.from(record.value());
                assertEquals(++version, event.getLong("aggregateversion"));
                List<Map<String, String>> tags = event.getList("data.tags");
                if (tags != null) {
                    tags.forEach(tag -> folded.put(tag.get("key"), tag.get("value")));
                }
                List<String> keys = event.getList("data.keys");
                if (keys != null) {
                    keys.forEach(folded::remove);
                }
            }
            assertEquals(Map.of("team", "os"), folded);
            assertEquals(folded, SnapshotTagsTest.tags(OWNER, id));
        }
    }

    private static String type(ConsumerRecord<String, String> record) {
        return JsonPath.from(record.value()).getString("type");
    }
}
