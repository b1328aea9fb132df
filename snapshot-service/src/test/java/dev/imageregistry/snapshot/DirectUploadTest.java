package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.snapshottool.Download;
import dev.imageregistry.snapshottool.SnapshotEndpoint;
import dev.imageregistry.snapshottool.SnapshotTool;
import dev.imageregistry.snapshottool.Upload;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * Direct uploads: block-uploads hands out S3 PUTs the service signed for exactly the declared SHA-256 (after the
 * checks of PutSnapshotBlock), the client sends the bytes straight to the S3 server (S3Proxy, which like S3 and
 * MinIO verifies x-amz-content-sha256 against the body), and block-references puts the blocks into the map only
 * after checking that the bucket holds them.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class DirectUploadTest {
    static final long MIB = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL service;

    @TempDir
    Path dir;

    SnapshotEndpoint endpoint() {
        return new SnapshotEndpoint(service.toString(), token(OWNER));
    }

    static String batch(Object... indexAndBlock) {
        ObjectNode body = JSON.createObjectNode();
        var blocks = body.putArray("Blocks");
        for (int i = 0; i < indexAndBlock.length; i += 2) {
            Object data = indexAndBlock[i + 1];
            blocks.addObject().put("BlockIndex", (Integer) indexAndBlock[i])
                    .put("Checksum", data instanceof byte[] bytes ? sha(bytes) : (String) data);
        }
        return body.toString();
    }

    static Response uploads(String account, String snapshotId, String body) {
        return given().auth().oauth2(token(account)).contentType(ContentType.JSON).body(body)
                .post("/snapshots/" + snapshotId + "/block-uploads");
    }

    static Response references(String account, String snapshotId, String body) {
        return given().auth().oauth2(token(account)).contentType(ContentType.JSON).body(body)
                .post("/snapshots/" + snapshotId + "/block-references");
    }

    static List<Integer> mapIndexes(String snapshotId) {
        return given().auth().oauth2(token(OWNER)).get("/snapshots/" + snapshotId + "/blocks").then().statusCode(200)
                .extract().jsonPath().getList("Blocks.BlockIndex");
    }

    record Sent(int status, String body) {
    }

    /** What the tool does with an upload: a plain PUT with the given headers, no other credential. */
    static Sent putWith(String url, Map<String, String> headers, byte[] data) {
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
            http.setRequestMethod("PUT");
            http.setDoOutput(true);
            http.setFixedLengthStreamingMode(data.length);
            http.setRequestProperty("Content-Type", "application/octet-stream");
            headers.forEach(http::setRequestProperty);
            try (OutputStream out = http.getOutputStream()) {
                out.write(data);
            }
            int status = http.getResponseCode();
            try (InputStream in = status < 300 ? http.getInputStream() : http.getErrorStream()) {
                return new Sent(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Sent putWith(JsonPath answer, int position, byte[] data) {
        return putWith(answer.getString("BlockUploads[" + position + "].Url"),
                answer.getMap("BlockUploads[" + position + "].Headers"), data);
    }

    @Test
    void aDiskWithHolesUploadsStraightToS3AndDownloadsByteIdentical() throws IOException {
        Path disk = dir.resolve("disk.raw");
        long size = 70 * MIB + 4321;
        SnapshotToolTest.writeDisk(disk, size, System.nanoTime());
        Upload.Result uploaded = Upload.run(endpoint(), new Upload.Options(disk, null, "direct", 8, null, null, null, 0));
        assertEquals("completed", uploaded.status());
        assertTrue(uploaded.blocksSkipped() > 20, "holes are not sent: skipped " + uploaded.blocksSkipped());
        assertTrue(uploaded.blocksDirect() > 10, "sent straight to S3: " + uploaded.blocksDirect());
        assertEquals(uploaded.blocksSent(), uploaded.blocksDirect() + uploaded.blocksAlreadyStored());
        assertEquals(uploaded.blocksSent(), mapIndexes(uploaded.snapshotId()).size());

        Path copy = dir.resolve("copy.raw");
        Download.run(endpoint(), uploaded.snapshotId(), copy, 8, null);
        assertEquals(size, Files.size(copy));
        assertEquals(-1, Files.mismatch(disk, copy), "the download is byte-identical");

        // Again, as another snapshot: every block is already stored, no object is added, no byte is sent.
        int objects = objectKeys().size();
        Upload.Result again = Upload.run(endpoint(), new Upload.Options(disk, null, "again", 8,
                dir.resolve("again.state"), null, null, 0));
        assertEquals("completed", again.status());
        assertEquals(0, again.blocksDirect());
        assertEquals(uploaded.blocksSent(), again.blocksAlreadyStored());
        assertEquals(objects, objectKeys().size(), "a second upload of the same file adds no objects");

        // The command line uploads directly by default, and through the service with --via-service.
        assertEquals(0, SnapshotTool.run("upload", "--endpoint", service.toString(), "--token", token(OWNER),
                "--no-progress", "--file", disk.toString(), "--state-file", dir.resolve("cli.state").toString()));
        Upload.Result viaService = Upload.run(endpoint(), new Upload.Options(disk, null, "via service", 4,
                dir.resolve("via.state"), null, null, 0, true));
        assertEquals("completed", viaService.status());
        assertEquals(0, viaService.blocksDirect());
        assertEquals(uploaded.blocksSent(), viaService.blocksSent());
        Path viaCopy = dir.resolve("via-copy.raw");
        Download.run(endpoint(), viaService.snapshotId(), viaCopy, 4, null);
        assertEquals(-1, Files.mismatch(disk, viaCopy));
        assertEquals(objects, objectKeys().size());
    }

    @Test
    void aBodyOtherThanTheDeclaredOneIsRefusedByS3AndThenByTheReference() {
        byte[] declared = block(System.nanoTime());
        byte[] other = block(System.nanoTime() + 1);
        String snapshot = start(OWNER, 1, null);
        Instant before = Instant.now();
        JsonPath answer = uploads(OWNER, snapshot, batch(0, declared)).then().statusCode(200).extract().jsonPath();
        assertEquals(0, answer.getInt("BlockUploads[0].BlockIndex"));
        assertEquals(sha(declared), answer.getString("BlockUploads[0].Checksum"));
        assertNull(answer.get("BlockUploads[0].Stored"));
        String url = answer.getString("BlockUploads[0].Url");
        assertEquals(RegionTestResource.region().s3().endpoint() + "/" + BUCKET + "/blocks/" + hex(declared), url);
        Map<String, String> headers = answer.getMap("BlockUploads[0].Headers");
        assertEquals(hex(declared), headers.get("x-amz-content-sha256"), "the declared SHA-256 is what is signed");
        assertTrue(headers.get("Authorization").startsWith("AWS4-HMAC-SHA256 "), headers.toString());
        assertFalse(headers.toString().contains(token(OWNER)), "the bearer token is not handed to S3");
        // Epoch seconds, as EBS writes its timestamps.
        Instant expireAt = epochSeconds(answer, "UploadsExpireAt");
        assertFalse(expireAt.isBefore(before.plusSeconds(14 * 60)) || expireAt.isAfter(Instant.now().plusSeconds(15 * 60)),
                expireAt.toString());

        // Other bytes with the signed request: S3 recomputes the hash and stores nothing.
        Sent refused = putWith(answer, 0, other);
        assertEquals(400, refused.status(), refused.body());
        assertTrue(refused.body().contains("XAmzContentSHA256Mismatch"), refused.body());
        assertFalse(objectKeys().contains("blocks/" + hex(declared)));
        assertFalse(objectKeys().contains("blocks/" + hex(other)));
        // The signature names the key: the declared bytes sent to another object's key are refused too.
        Sent elsewhere = putWith(url.replace(hex(declared), hex(other)), headers, declared);
        assertEquals(403, elsewhere.status(), elsewhere.body());
        assertFalse(objectKeys().contains("blocks/" + hex(other)));

        // The client's word is not enough: the reference checks the bucket, and refuses.
        Response notThere = references(OWNER, snapshot, batch(0, declared));
        refusedAs(notThere, 409, "ConflictException", null);
        notThere.then().body("Message", containsString("[0]"));
        assertEquals(List.of(), mapIndexes(snapshot), "nothing was referenced");
        assertEquals("error", complete(OWNER, snapshot, 1, aggregate(List.of(declared))),
                "the block the client claimed is not in the snapshot");

        // The right bytes with the same request are stored, referenced, and read back.
        String good = start(OWNER, 1, null);
        JsonPath again = uploads(OWNER, good, batch(0, declared)).then().statusCode(200).extract().jsonPath();
        assertEquals(200, putWith(again, 0, declared).status());
        references(OWNER, good, batch(0, declared)).then().statusCode(200).body("BlocksReferenced", is(1));
        assertEquals("completed", complete(OWNER, good, 1, aggregate(List.of(declared))));
        assertArrayEquals(declared, given().auth().oauth2(token(OWNER)).get("/snapshots/" + good + "/blocks/0")
                .then().statusCode(200).extract().asByteArray());
    }

    @Test
    void aReferenceWithoutUploadIsRefusedAndChangesNothing() {
        byte[] uploaded = block(System.nanoTime());
        byte[] notUploaded = block(System.nanoTime() + 5);
        byte[] neverAsked = block(System.nanoTime() + 9);
        String snapshot = start(OWNER, 1, null);
        JsonPath answer = uploads(OWNER, snapshot, batch(0, uploaded, 1, notUploaded)).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(200, putWith(answer, 0, uploaded).status());
        // One block of the batch is missing: the whole batch is refused, the uploaded one is not referenced either.
        Response partly = references(OWNER, snapshot, batch(0, uploaded, 1, notUploaded));
        refusedAs(partly, 409, "ConflictException", null);
        partly.then().body("Message", containsString("[1]"));
        assertEquals(List.of(), mapIndexes(snapshot));
        // A block nobody asked to upload (no row at all) is refused the same way.
        refusedAs(references(OWNER, snapshot, batch(2, neverAsked)), 409, "ConflictException", null);
        assertEquals(List.of(), mapIndexes(snapshot));
        // The uploaded block alone is fine; asking again now answers Stored for it.
        references(OWNER, snapshot, batch(0, uploaded)).then().statusCode(200).body("BlocksReferenced", is(1));
        uploads(OWNER, snapshot, batch(0, uploaded, 1, notUploaded)).then().statusCode(200)
                .body("BlockUploads[0].Stored", is(true), "BlockUploads[0].Url", nullValue(),
                        "BlockUploads[1].Stored", nullValue(), "BlockUploads[1].Url", startsWith("http"));
        assertEquals(List.of(0), mapIndexes(snapshot));
    }

    @Test
    void anotherAccountGetsNoUploadsForMySnapshot() {
        byte[] data = block(System.nanoTime());
        String snapshot = start(OWNER, 1, null);
        for (String account : List.of(STRANGER, OTHER)) {
            Response refused = uploads(account, snapshot, batch(0, data));
            notFound(refused);
            refused.then().body("BlockUploads", nullValue());
            notFound(references(account, snapshot, batch(0, data)));
        }
        notFound(uploads(STRANGER, "snap-00000000000000000", batch(0, data)));
        assertEquals(List.of(), mapIndexes(snapshot));
    }

    @Test
    void badRequestsAreRefusedInTheEbsErrorShape() {
        byte[] data = block(System.nanoTime());
        String snapshot = start(OWNER, 1, null);
        // The batch's rules are SnapshotTest's (aDirectUploadBatchIsCheckedAsAWholeBeforeAnythingIsTouched); one
        // refusal of each kind shows both calls ask them, and that nothing is touched.
        invalid(uploads(OWNER, snapshot, batch(0, "not base64!")), "INVALID_PARAMETER_VALUE");
        invalid(uploads(OWNER, snapshot, "{}"), "INVALID_PARAMETER_VALUE");
        invalid(references(OWNER, snapshot, batch(0, data, 0, data)), "INVALID_BLOCK");
        // 1 GiB holds indexes 0 to 2047; one outside refuses the batch before anything is touched.
        Response outside = uploads(OWNER, snapshot, batch(0, data, 2048, data));
        invalid(outside, "INVALID_BLOCK");
        outside.then().body("Message", containsString("2048"));
        invalid(references(OWNER, snapshot, batch(2048, data)), "INVALID_BLOCK");
        invalid(uploads(OWNER, "snap-nonsense", batch(0, data)), "INVALID_SNAPSHOT_ID");
        invalid(given().auth().oauth2(token(OWNER)).contentType(ContentType.JSON).body("{\"Blocks\": [")
                .post("/snapshots/" + snapshot + "/block-uploads"), "INVALID_PARAMETER_VALUE");
        assertEquals(List.of(), mapIndexes(snapshot));
        // A snapshot that is no longer pending takes no uploads.
        assertEquals("completed", complete(OWNER, snapshot, 0, aggregate(List.of())));
        invalid(uploads(OWNER, snapshot, batch(0, data)), "INVALID_SNAPSHOT_ID");
        invalid(references(OWNER, snapshot, batch(0, data)), "INVALID_SNAPSHOT_ID");
    }

    @Test
    void contentAlreadyInTheBucketNeedsNoUpload() {
        byte[] a = block(System.nanoTime());
        byte[] b = block(System.nanoTime() + 3);
        String first = snapshotOf(OWNER, null, a, b);
        int objects = objectKeys().size();
        // Another account writing the same content: Stored for all, nothing to send, nothing added.
        String second = start(OTHER, 1, null);
        uploads(OTHER, second, batch(5, b, 6, a)).then().statusCode(200)
                .body("BlockUploads.Stored", everyItem(is(true)), "BlockUploads.Url", everyItem(nullValue()));
        references(OTHER, second, batch(5, b, 6, a)).then().statusCode(200).body("BlocksReferenced", is(2));
        assertEquals("completed", complete(OTHER, second, 2, aggregate(List.of(b, a))));
        assertEquals(objects, objectKeys().size());
        assertNotEquals(first, second);
    }

    @Test
    void garbageCollectionNeverFreesAReferencedBlockAndAReferenceNeverRevivesACollectedOne() {
        byte[] referenced = block(System.nanoTime());
        byte[] abandoned = block(System.nanoTime() + 11);
        String snapshot = start(OWNER, 1, null);
        JsonPath answer = uploads(OWNER, snapshot, batch(0, referenced, 1, abandoned)).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(200, putWith(answer, 0, referenced).status());
        assertEquals(200, putWith(answer, 1, abandoned).status());
        references(OWNER, snapshot, batch(0, referenced)).then().statusCode(200);
        // Just touched: neither is a candidate, not even for a dry run.
        given().auth().oauth2(operatorToken()).queryParam("DryRun", "true").post("/admin/garbage-collection").then()
                .statusCode(200).body("Blocks", not(hasItem(hex(referenced))), "Blocks", not(hasItem(hex(abandoned))));
        // After the grace window (5 s in tests) the unreferenced upload is a candidate; the dry run deletes nothing.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(operatorToken())
                .queryParam("DryRun", "true").post("/admin/garbage-collection").then().statusCode(200)
                .body("Deleted", is(0), "Blocks", hasItem(hex(abandoned)), "Blocks", not(hasItem(hex(referenced)))));
        assertTrue(objectKeys().containsAll(List.of("blocks/" + hex(referenced), "blocks/" + hex(abandoned))));
        List<String> deleted = given().auth().oauth2(operatorToken()).post("/admin/garbage-collection").then()
                .statusCode(200).extract().path("Blocks");
        assertTrue(deleted.contains(hex(abandoned)));
        assertFalse(deleted.contains(hex(referenced)));
        assertTrue(objectKeys().contains("blocks/" + hex(referenced)));
        // The upload that stalled past the grace window cannot reference what was collected: it must upload again.
        refusedAs(references(OWNER, snapshot, batch(1, abandoned)), 409, "ConflictException", null);
        JsonPath retry = uploads(OWNER, snapshot, batch(1, abandoned)).then().statusCode(200).extract().jsonPath();
        assertEquals(200, putWith(retry, 0, abandoned).status());
        references(OWNER, snapshot, batch(1, abandoned)).then().statusCode(200);
        assertEquals("completed", complete(OWNER, snapshot, 2, aggregate(List.of(referenced, abandoned))));
        assertArrayEquals(abandoned, given().auth().oauth2(token(OWNER)).get("/snapshots/" + snapshot + "/blocks/1")
                .then().statusCode(200).extract().asByteArray());
    }
}
