package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * The six EBS direct operations on EBS's wire, as botocore's {@code ebs} model (2019-11-02) describes them: paths,
 * camelCase query parameters, headers, status codes, epoch-second timestamps, paging with pageToken, and every
 * refusal as {@code x-amzn-ErrorType} with {@code {"Message", "Reason"}}. (The aws CLI itself signs SigV4, which the
 * service does not take: the gateway's and the local stack's tests drive it.)
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class EbsWireTest {
    /** An account of its own, with a bucket of 3 reads that barely refills (application.properties, test profile). */
    private static final String THROTTLED = "900000000431";

    @Test
    void startSnapshotAnswersTheModelsMembersWithEpochSeconds() {
        Instant before = Instant.now();
        JsonPath started = given().auth().oauth2(token(OWNER)).contentType("application/json")
                .body("{\"VolumeSize\":2,\"Description\":\"root disk\",\"Tags\":[{\"Key\":\"team\",\"Value\":\"os\"}],"
                        + "\"ClientToken\":\"" + System.nanoTime() + "\",\"Timeout\":60}")
                .post("/snapshots").then().statusCode(201).contentType("application/json")
                .body("SnapshotId", matchesPattern("snap-[0-9a-f]{17}"), "Status", is("pending"), "VolumeSize", is(2),
                        "BlockSize", is(BLOCK), "OwnerId", is(OWNER), "Description", is("root disk"),
                        "Tags[0].Key", is("team"), "Tags[0].Value", is("os"), "SseType", is("none"))
                .extract().jsonPath();
        // rest-json's timestamps: a JSON number of seconds since the epoch (botocore parses nothing else here).
        Instant startTime = epochSeconds(started, "StartTime");
        assertFalse(startTime.isBefore(before.minusSeconds(1)) || startTime.isAfter(Instant.now().plusSeconds(1)),
                "StartTime " + startTime);
        assertEquals(List.of("BlockSize", "Description", "OwnerId", "SnapshotId", "SseType", "StartTime", "Status",
                "Tags", "VolumeSize"), started.getMap("").keySet().stream().sorted().toList(),
                "only the members of StartSnapshotResponse");
    }

    @Test
    void putGetAndCompleteSpeakInHeaders() {
        byte[] data = block(9101);
        String id = start(OWNER, 1, null);
        put(OWNER, id, 3, data, sha(data)).then().statusCode(201).header("x-amz-Checksum", sha(data))
                .header("x-amz-Checksum-Algorithm", "SHA256");
        // x-amz-Progress, the client's own estimate, is accepted within the model's 0..100.
        given().auth().oauth2(token(OWNER)).contentType("application/octet-stream").header("x-amz-Checksum", sha(data))
                .header("x-amz-Checksum-Algorithm", "SHA256").header("x-amz-Data-Length", BLOCK)
                .header("x-amz-Progress", 50).body(data).put("/snapshots/" + id + "/blocks/4").then().statusCode(201);
        String blockToken = given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks").then()
                .statusCode(200).body("Blocks.BlockIndex", contains(3, 4), "VolumeSize", is(1), "BlockSize", is(BLOCK),
                        "Blocks[0].Checksum", is(sha(data)), "NextToken", nullValue())
                .extract().path("Blocks[0].BlockToken");
        byte[] read = given().auth().oauth2(token(OWNER)).queryParam("blockToken", blockToken)
                .get("/snapshots/" + id + "/blocks/3").then().statusCode(200)
                .contentType("application/octet-stream").header("x-amz-Data-Length", String.valueOf(BLOCK))
                .header("x-amz-Checksum", sha(data)).header("x-amz-Checksum-Algorithm", "SHA256")
                .extract().asByteArray();
        assertArrayEquals(data, read);

        // CompleteSnapshot: no body, the count and the aggregate in headers, 202 {Status}.
        invalid(given().auth().oauth2(token(OWNER)).post("/snapshots/completion/" + id), "INVALID_PARAMETER_VALUE");
        invalid(completion(OWNER, id, -1, aggregate(List.of(data, data))), "INVALID_PARAMETER_VALUE");
        completion(OWNER, id, 2, aggregate(List.of(data, data))).then().statusCode(202)
                .contentType("application/json").body("Status", is("completed"));
        // The count alone (no checksum: EBS makes it optional) completes too.
        String countOnly = start(OWNER, 1, null);
        put(OWNER, countOnly, 0, data);
        completion(OWNER, countOnly, 1, null).then().statusCode(202).body("Status", is("completed"));
        // A snapshot no longer pending takes no blocks and no second completion.
        invalid(put(OWNER, id, 5, data, sha(data)), "INVALID_SNAPSHOT_ID");
        invalid(completion(OWNER, id, 2, aggregate(List.of(data, data))), "INVALID_SNAPSHOT_ID");
    }

    /**
     * More than one page of the model's largest (10,000), followed with pageToken: a client that pages by the
     * NextToken the answer carries gets every block once, in order, and stops. 10,050 blocks of one content: one
     * PutSnapshotBlock stores it, the other 10,049 are direct-upload references to it (the object is stored once).
     */
    @Test
    void moreThanTenThousandBlocksArePagedWithPageToken() {
        int written = 10_050;
        byte[] data = block(9201);
        String id = start(OWNER, 5, null);
        put(OWNER, id, 0, data);
        for (int from = 1; from < written; from += 100) {
            DirectUploadTest.references(OWNER, id, DirectUploadTest.batch(IntStream.range(from, Math.min(written,
                    from + 100)).boxed().flatMap(i -> Stream.of(i, data)).toArray())).then().statusCode(200);
        }
        List<Integer> listed = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String pageToken = null;
        do {
            var request = given().auth().oauth2(token(OWNER)).queryParam("maxResults", 10_000);
            if (pageToken != null) {
                request = request.queryParam("pageToken", pageToken);
            }
            JsonPath page = request.get("/snapshots/" + id + "/blocks").then().statusCode(200).extract().jsonPath();
            List<Integer> indexes = page.getList("Blocks.BlockIndex");
            listed.addAll(indexes);
            pageSizes.add(indexes.size());
            pageToken = page.getString("NextToken");
            assertTrue(pageSizes.size() <= 3, "paging must end: " + pageSizes);
        } while (pageToken != null);
        assertEquals(List.of(10_000, 50), pageSizes);
        assertEquals(IntStream.range(0, written).boxed().toList(), listed);

        assertEquals("completed", complete(OWNER, id, written, linear(data, written)));
        // Without maxResults the page is the model's largest too; startingBlockIndex starts a listing anywhere.
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks").then().statusCode(200)
                .body("Blocks", hasSize(10_000), "NextToken", notNullValue());
        given().auth().oauth2(token(OWNER)).queryParam("startingBlockIndex", 10_040).get("/snapshots/" + id + "/blocks")
                .then().statusCode(200).body("Blocks", hasSize(10), "Blocks[0].BlockIndex", is(10_040),
                        "NextToken", nullValue());
    }

    /** An incremental snapshot: its changed blocks against the parent, 100 a page, followed with pageToken. */
    @Test
    void theChangedBlocksOfAnIncrementalSnapshotArePaged() {
        byte[] base = block(9301);
        byte[] changed = block(9302);
        String parent = start(OWNER, 1, null);
        put(OWNER, parent, 0, base);
        reference(parent, 1, 250, base);
        assertEquals("completed", complete(OWNER, parent, 250, linear(base, 250)));
        String child = start(OWNER, 1, parent);
        put(OWNER, child, 50, changed);
        reference(child, 51, 200, changed); // overwrites 50..199 of the parent's
        reference(child, 250, 270, changed); // 250..269: only in the child
        assertEquals("completed", complete(OWNER, child, 170, linear(changed, 170)));

        List<Integer> indexes = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String pageToken = null;
        do {
            var request = given().auth().oauth2(token(OWNER)).queryParam("firstSnapshotId", parent)
                    .queryParam("maxResults", 100);
            if (pageToken != null) {
                request = request.queryParam("pageToken", pageToken);
            }
            JsonPath page = request.get("/snapshots/" + child + "/changedblocks").then().statusCode(200)
                    .body("VolumeSize", is(1), "BlockSize", is(BLOCK)).extract().jsonPath();
            List<Integer> onPage = page.getList("ChangedBlocks.BlockIndex");
            for (int i = 0; i < onPage.size(); i++) {
                boolean inParent = onPage.get(i) < 250;
                assertEquals(inParent, page.get("ChangedBlocks[" + i + "].FirstBlockToken") != null, "block " + onPage.get(i));
                assertNotNull(page.get("ChangedBlocks[" + i + "].SecondBlockToken"));
            }
            indexes.addAll(onPage);
            pageSizes.add(onPage.size());
            pageToken = page.getString("NextToken");
            assertTrue(pageSizes.size() <= 3, "paging must end: " + pageSizes);
        } while (pageToken != null);
        assertEquals(List.of(100, 70), pageSizes);
        assertEquals(Stream.concat(IntStream.range(50, 200).boxed(), IntStream.range(250, 270).boxed()).toList(),
                indexes);
        // The child reads its parent's blocks where it wrote none, its own where it did.
        assertArrayEquals(base, given().auth().oauth2(token(OWNER)).get("/snapshots/" + child + "/blocks/10").then()
                .statusCode(200).extract().asByteArray());
        assertArrayEquals(changed, given().auth().oauth2(token(OWNER)).get("/snapshots/" + child + "/blocks/60").then()
                .statusCode(200).extract().asByteArray());
    }

    @Test
    void everyRefusalHasTheModelsErrorTypeAndReason() {
        byte[] data = block(9401);
        String id = start(OWNER, 1, null);
        put(OWNER, id, 0, data);
        // A wrong checksum: the data is not what x-amz-Checksum says (see EbsRefusals for the Reason chosen).
        invalid(put(OWNER, id, 1, data, sha(block(9402))), "INVALID_PARAMETER_VALUE");
        invalid(put(OWNER, id, 1, data, "not-a-checksum"), "INVALID_PARAMETER_VALUE");
        // A block outside the volume (1 GiB: 0..2047), or no block index at all.
        invalid(put(OWNER, id, 2048, data, sha(data)), "INVALID_BLOCK");
        invalid(put(OWNER, id, -1, data, sha(data)), "INVALID_BLOCK");
        invalid(given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks/2048"), "INVALID_BLOCK");
        invalid(given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks/first"), "INVALID_BLOCK");
        // A bad page token, on both listings.
        invalid(given().auth().oauth2(token(OWNER)).queryParam("pageToken", "bogus").get("/snapshots/" + id + "/blocks"),
                "INVALID_PAGE_TOKEN");
        invalid(given().auth().oauth2(token(OWNER)).queryParam("pageToken", "-5")
                .get("/snapshots/" + id + "/changedblocks"), "INVALID_PAGE_TOKEN");
        invalid(given().auth().oauth2(token(OWNER)).queryParam("maxResults", 99).get("/snapshots/" + id + "/blocks"),
                "INVALID_PARAMETER_VALUE");
        // A block token that is not this block's.
        invalid(given().auth().oauth2(token(OWNER)).queryParam("blockToken", "AAAA").get("/snapshots/" + id + "/blocks/0"),
                "INVALID_BLOCK_TOKEN");
        // A volume size outside 1..65536 GiB, and a parent too large for the new volume.
        for (String volume : List.of("0", "65537")) {
            invalid(given().auth().oauth2(token(OWNER)).contentType("application/json")
                    .body("{\"VolumeSize\":" + volume + "}").post("/snapshots"), "INVALID_VOLUME_SIZE");
        }
        // Not a number at all: refused while the body is read, whose message names no field, so the generic Reason.
        invalid(given().auth().oauth2(token(OWNER)).contentType("application/json")
                .body("{\"VolumeSize\":\"big\"}").post("/snapshots"), "INVALID_PARAMETER_VALUE");
        String twoGiB = start(OWNER, 2, null);
        assertEquals("completed", complete(OWNER, twoGiB, 0, aggregate(List.of())));
        invalid(given().auth().oauth2(token(OWNER)).contentType("application/json")
                .body("{\"VolumeSize\":1,\"ParentSnapshotId\":\"" + twoGiB + "\"}").post("/snapshots"),
                "INVALID_VOLUME_SIZE");
        // A tag EC2 does not allow.
        invalid(given().auth().oauth2(token(OWNER)).contentType("application/json")
                .body("{\"VolumeSize\":1,\"Tags\":[{\"Key\":\"aws:x\",\"Value\":\"\"}]}").post("/snapshots"),
                "INVALID_TAG");
        // A malformed snapshot ID.
        invalid(given().auth().oauth2(token(OWNER)).get("/snapshots/snap-xyz/blocks"), "INVALID_SNAPSHOT_ID");
        invalid(given().auth().oauth2(token(OWNER)).queryParam("firstSnapshotId", "vol-1").get("/snapshots/" + twoGiB
                + "/changedblocks"), "INVALID_SNAPSHOT_ID");
        // A client token reused with other parameters: the model's ConflictException.
        String clientToken = "conflict-" + System.nanoTime();
        given().auth().oauth2(token(OWNER)).contentType("application/json")
                .body("{\"VolumeSize\":1,\"ClientToken\":\"" + clientToken + "\"}").post("/snapshots").then()
                .statusCode(201);
        refusedAs(given().auth().oauth2(token(OWNER)).contentType("application/json")
                .body("{\"VolumeSize\":3,\"ClientToken\":\"" + clientToken + "\"}").post("/snapshots"),
                409, "ConflictException", null);
        // A NUL in a query parameter is refused before the request is matched: in EBS's shape all the same.
        invalid(given().auth().oauth2(token(OWNER)).urlEncodingEnabled(false)
                .get("/snapshots/" + id + "/blocks?pageToken=a%00b"), "INVALID_PARAMETER_VALUE");
    }

    /** Another account's snapshot and one that exists nowhere get the same 404, on each of the six operations. */
    @Test
    void anUnknownOrSomeoneElsesSnapshotIsNotFoundEverywhere() {
        byte[] data = block(9501);
        String mine = snapshotOf(OWNER, null, data);
        String pending = start(OWNER, 1, null);
        for (String account : List.of(STRANGER, OWNER)) {
            String completed = account.equals(OWNER) ? "snap-00000000000000000" : mine;
            String open = account.equals(OWNER) ? "snap-00000000000000001" : pending;
            notFound(put(account, open, 0, data, sha(data)));
            notFound(completion(account, open, 0, null));
            notFound(given().auth().oauth2(token(account)).get("/snapshots/" + completed + "/blocks"));
            notFound(given().auth().oauth2(token(account)).get("/snapshots/" + completed + "/changedblocks"));
            notFound(given().auth().oauth2(token(account)).queryParam("firstSnapshotId", completed)
                    .get("/snapshots/" + (account.equals(OWNER) ? mine : completed) + "/changedblocks"));
            notFound(given().auth().oauth2(token(account)).get("/snapshots/" + completed + "/blocks/0"));
            notFound(given().auth().oauth2(token(account)).contentType("application/json")
                    .body("{\"VolumeSize\":1,\"ParentSnapshotId\":\"" + completed + "\"}").post("/snapshots"));
        }
        // The EC2 calls on the same resource keep EC2's errors.
        given().auth().oauth2(token(STRANGER)).queryParam("SnapshotId", mine).get("/snapshots").then().statusCode(400)
                .header("x-amzn-ErrorType", nullValue()).body("Errors[0].Code", is("InvalidSnapshot.NotFound"));
        given().auth().oauth2(token(STRANGER)).delete("/snapshots/" + mine).then().statusCode(400)
                .header("x-amzn-ErrorType", nullValue()).body("Errors[0].Code", is("InvalidSnapshot.NotFound"));
    }

    /** No token, a token the service did not sign, or one of no account: AccessDeniedException. */
    @Test
    void theCallerMustBeAnAccount() {
        String id = start(OWNER, 1, null);
        refusedAs(given().get("/snapshots/" + id + "/blocks"), 403, "AccessDeniedException", "UNAUTHORIZED_ACCOUNT");
        refusedAs(given().auth().oauth2(RegionTestResource.tokens().expiredToken(OWNER))
                .get("/snapshots/" + id + "/blocks/0"), 403, "AccessDeniedException", "UNAUTHORIZED_ACCOUNT");
        refusedAs(given().auth().oauth2(RegionTestResource.tokens().operatorToken()).contentType("application/json")
                .body("{\"VolumeSize\":1}").post("/snapshots"), 403, "AccessDeniedException", "UNAUTHORIZED_ACCOUNT");
        refusedAs(given().header("x-amz-ChangedBlocksCount", 0).post("/snapshots/completion/" + id), 403,
                "AccessDeniedException", "UNAUTHORIZED_ACCOUNT");
    }

    /** An account over its request limit: RequestThrottledException (400), which botocore retries. */
    @Test
    void aThrottledAccountIsToldSo() {
        Response refused = null;
        for (int i = 0; i < 10 && refused == null; i++) {
            Response answer = given().auth().oauth2(token(THROTTLED)).get("/snapshots/snap-00000000000000000/blocks");
            if (answer.statusCode() != 404) {
                refused = answer;
            }
        }
        assertNotNull(refused, "the flood is refused");
        refusedAs(refused, 400, "RequestThrottledException", "ACCOUNT_THROTTLED");
    }

    private static void reference(String snapshotId, int from, int to, byte[] data) {
        for (int start = from; start < to; start += 100) {
            DirectUploadTest.references(OWNER, snapshotId, DirectUploadTest.batch(IntStream.range(start,
                    Math.min(to, start + 100)).boxed().flatMap(i -> Stream.of(i, data)).toArray())).then()
                    .statusCode(200);
        }
    }

    /** The LINEAR aggregate of {@code count} blocks of the same content. */
    private static String linear(byte[] data, int count) {
        MessageDigest linear = digest();
        byte[] one = digest().digest(data);
        for (int i = 0; i < count; i++) {
            linear.update(one);
        }
        return Base64.getEncoder().encodeToString(linear.digest());
    }
}
