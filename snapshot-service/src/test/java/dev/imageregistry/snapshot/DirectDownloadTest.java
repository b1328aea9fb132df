package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.snapshottool.Download;
import dev.imageregistry.snapshottool.SnapshotEndpoint;
import dev.imageregistry.snapshottool.SnapshotTool;
import dev.imageregistry.snapshottool.Upload;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.PutObjectArgs;
import io.minio.http.Method;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Direct downloads: ListSnapshotBlocks?WithDownloadUrls=true hands out presigned S3 GETs after the usual read
 * check, and the tool reads blocks straight from the S3 server (S3Proxy with V2/V4 authorization, the same one the
 * service uses), verifying each against the listed checksum.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class DirectDownloadTest {
    static final long MIB = 1 << 20;

    @TestHTTPResource("/")
    URL service;

    @TempDir
    Path dir;

    SnapshotEndpoint endpoint() {
        return new SnapshotEndpoint(service.toString(), token(OWNER));
    }

    static JsonPath blocksWithUrls(String account, String snapshotId) {
        return given().auth().oauth2(token(account)).queryParam("withDownloadUrls", "true")
                .get("/snapshots/" + snapshotId + "/blocks").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void aDiskWithHolesDownloadsByteIdenticalStraightFromS3() throws IOException {
        Path disk = dir.resolve("disk.raw");
        long size = 60 * MIB + 4321;
        SnapshotToolTest.writeDisk(disk, size, System.nanoTime());
        Upload.Result uploaded = Upload.run(endpoint(), new Upload.Options(disk, null, "direct", 8, null, null, null, 0));
        assertEquals("completed", uploaded.status());

        Path copy = dir.resolve("copy.raw");
        Download.Result direct = Download.run(endpoint(), uploaded.snapshotId(), copy, 8, null);
        assertTrue(direct.blocks() > 0);
        assertEquals(direct.blocks(), direct.blocksDirect(), "every block was read straight from S3");
        assertEquals(size, Files.size(copy));
        assertEquals(-1, Files.mismatch(disk, copy), "the direct download is byte-identical");
        // Holes stay holes: a sparse copy occupies about what the written blocks hold, not the whole length.
        long allocated = allocatedBytes(copy);
        assertTrue(allocated <= direct.blocks() * (long) BLOCK + MIB, "allocated " + allocated);

        // The service path still works and is still chosen with --via-service.
        Path viaService = dir.resolve("via-service.raw");
        int exit = SnapshotTool.run("download", "--endpoint", service.toString(), "--token", token(OWNER),
                "--no-progress", "--via-service", "--snapshot-id", uploaded.snapshotId(), "--file", viaService.toString());
        assertEquals(0, exit);
        assertEquals(-1, Files.mismatch(disk, viaService));
        Download.Result throughService = Download.run(endpoint(), uploaded.snapshotId(), viaService, 4, null, true);
        assertEquals(0, throughService.blocksDirect());
    }

    @Test
    void urlsNameEachBlockAndExpireAfterTheConfiguredTime() {
        byte[] first = block(System.nanoTime());
        byte[] second = block(System.nanoTime() + 1);
        String snapshot = snapshotOf(OWNER, null, first, second);
        Instant before = Instant.now();
        JsonPath listed = blocksWithUrls(OWNER, snapshot);
        assertEquals(List.of(0, 1), listed.getList("Blocks.BlockIndex"));
        assertEquals(List.of(sha(first), sha(second)), listed.getList("Blocks.Checksum"));
        // Epoch seconds, as EBS writes its timestamps.
        Instant expireAt = epochSeconds(listed, "DownloadUrlsExpireAt");
        // imageregistry.blocks.download-url-expiry defaults to 5 minutes.
        assertTrue(!expireAt.isBefore(before.plusSeconds(299)) && !expireAt.isAfter(Instant.now().plusSeconds(300)),
                "expires at " + expireAt);
        String url = listed.getString("Blocks[0].DownloadUrl");
        assertTrue(url.startsWith(RegionTestResource.region().s3().endpoint() + "/" + BUCKET + "/blocks/" + hex(first)),
                url);
        assertTrue(url.contains("X-Amz-Expires=300"), url);
        // Without the flag the listing is as before: no URLs.
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + snapshot + "/blocks").then().statusCode(200)
                .body("Blocks[0].DownloadUrl", nullValue(), "DownloadUrlsExpireAt", nullValue());
        invalid(given().auth().oauth2(token(OWNER)).queryParam("withDownloadUrls", "yes")
                .get("/snapshots/" + snapshot + "/blocks"), "INVALID_PARAMETER_VALUE");

        // The URL reads exactly its block, without any other credential.
        Fetched fetched = fetch(url);
        assertEquals(200, fetched.status());
        assertArrayEquals(first, fetched.body());
        // The signature covers the key: the same URL pointed at the other block's object is refused...
        Fetched otherKey = fetch(url.replace(hex(first), hex(second)));
        assertEquals(403, otherKey.status(), otherKey.text());
        // ...and so is the object without the signature, or with it altered.
        assertEquals(403, fetch(url.substring(0, url.indexOf('?'))).status());
        String signature = url.replaceAll(".*X-Amz-Signature=([0-9a-f]+).*", "$1");
        String altered = (signature.charAt(0) == '0' ? "1" : "0") + signature.substring(1);
        assertEquals(403, fetch(url.replace(signature, altered)).status());
    }

    @Test
    void theS3ServerRefusesAnExpiredUrl() throws Exception {
        // The S3 server the URLs are tested against enforces X-Amz-Expires (S3 and MinIO do).
        byte[] data = block(System.nanoTime());
        String snapshot = snapshotOf(OWNER, null, data);
        assertEquals(200, fetch(blocksWithUrls(OWNER, snapshot).getString("Blocks[0].DownloadUrl")).status());
        String shortLived = bucketClient().getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                .method(Method.GET).bucket(BUCKET).object("blocks/" + hex(data)).expiry(1, TimeUnit.SECONDS).build());
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> fetch(shortLived).status() == 403);
    }

    @Test
    void whoMayNotReadTheSnapshotGetsNoUrls() {
        String snapshot = snapshotOf(OWNER, null, block(System.nanoTime()));
        for (String query : List.of("true", "false")) {
            var refused = given().auth().oauth2(token(STRANGER)).queryParam("withDownloadUrls", query)
                    .get("/snapshots/" + snapshot + "/blocks");
            notFound(refused);
            refused.then().body("Blocks", nullValue());
        }
        // The answer is the one for a snapshot that does not exist.
        notFound(given().auth().oauth2(token(STRANGER)).queryParam("withDownloadUrls", "true")
                .get("/snapshots/snap-00000000000000000/blocks"));
        // Whoever may launch an image that uses the snapshot gets them, as for GetSnapshotBlock.
        String image = imageId();
        imageRegistered(image, OWNER, snapshot);
        imageShared(image, 2, OTHER);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(token(OTHER))
                .queryParam("withDownloadUrls", "true").get("/snapshots/" + snapshot + "/blocks").then()
                .statusCode(200).body("Blocks[0].DownloadUrl", startsWith("http")));
        notFound(given().auth().oauth2(token(STRANGER)).queryParam("withDownloadUrls", "true")
                .get("/snapshots/" + snapshot + "/blocks"));
    }

    @Test
    void aTamperedObjectFailsTheDownloadAndIsNotWritten() throws Exception {
        byte[] good = block(System.nanoTime());
        byte[] victim = block(System.nanoTime() + 7);
        String snapshot = snapshotOf(OWNER, null, good, victim);
        // Someone with access to the bucket replaces the second block's object with other bytes of the same size.
        byte[] forged = block(System.nanoTime() + 13);
        bucketClient().putObject(PutObjectArgs.builder().bucket(BUCKET).object("blocks/" + hex(victim))
                .stream(new ByteArrayInputStream(forged), forged.length, -1).build());

        Path copy = dir.resolve("tampered.raw");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = SnapshotTool.run("download", "--endpoint", service.toString(), "--token", token(OWNER),
                    "--no-progress", "--concurrency", "1", "--snapshot-id", snapshot, "--file", copy.toString());
        } finally {
            System.setErr(originalErr);
        }
        assertEquals(1, exit);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("block 1 read from the object store does not match the SHA-256"), message);
        byte[] written = new byte[2 * BLOCK];
        try (var file = new java.io.RandomAccessFile(copy.toFile(), "r")) {
            file.readFully(written); // the first two blocks of the 1 GiB (sparse) volume
        }
        assertArrayEquals(good, Arrays.copyOfRange(written, 0, BLOCK), "the verified block was written");
        assertArrayEquals(new byte[BLOCK], Arrays.copyOfRange(written, BLOCK, 2 * BLOCK),
                "nothing of the forged block was written");
    }

    /** What the file system allocated for the file (stat's %b blocks of %B bytes). */
    static long allocatedBytes(Path file) throws IOException {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String[] out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    record Fetched(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** A plain GET with no credentials: what anyone holding the URL can do. */
    static Fetched fetch(String url) {
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
            int status = http.getResponseCode();
            try (InputStream in = status < 300 ? http.getInputStream() : http.getErrorStream()) {
                return new Fetched(status, in == null ? new byte[0] : in.readAllBytes());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
