package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.snapshottool.Download;
import dev.imageregistry.snapshottool.SnapshotEndpoint;
import dev.imageregistry.snapshottool.SnapshotTool;
import dev.imageregistry.snapshottool.Upload;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The upload/download tool against the running service: identity, holes, resume, dedup, incremental. */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class SnapshotToolTest {
    static final long MIB = 1 << 20;

    @TestHTTPResource("/")
    URL service;

    @TempDir
    Path dir;

    SnapshotEndpoint endpoint() {
        return new SnapshotEndpoint(service.toString(), token(OWNER));
    }

    @Test
    void aDiskWithHolesUploadsResumesAndDownloadsByteIdentical() throws IOException {
        // 300 MiB and a bit: data extents, holes, repeated blocks, and a partial last block.
        Path disk = dir.resolve("disk.raw");
        long size = 300 * MIB + 12_345;
        writeDisk(disk, size, 7);

        Upload.Options interrupted = new Upload.Options(disk, null, "test disk", 8, null, null, null, 40);
        assertThrows(Upload.Stopped.class, () -> Upload.run(endpoint(), interrupted));
        assertTrue(Files.exists(dir.resolve("disk.raw.upload-state")), "the state file survives an interruption");

        Upload.Result uploaded = Upload.run(endpoint(), new Upload.Options(disk, null, "test disk", 8, null, null, null, 0));
        assertEquals("completed", uploaded.status());
        assertTrue(uploaded.blocksResumed() >= 40, "resumed " + uploaded.blocksResumed());
        assertTrue(uploaded.blocksSkipped() > 200, "holes are not sent: skipped " + uploaded.blocksSkipped());
        assertFalse(Files.exists(dir.resolve("disk.raw.upload-state")));

        Path copy = dir.resolve("copy.raw");
        Download.run(endpoint(), uploaded.snapshotId(), copy, 8, null);
        assertEquals(size, Files.size(copy));
        assertEquals(-1, Files.mismatch(disk, copy), "the download is byte-identical");

        // The same file uploaded again as another snapshot stores no new object.
        int objects = objectKeys().size();
        int exit = SnapshotTool.run("upload", "--endpoint", service.toString(), "--token", token(OWNER),
                "--no-progress", "--file", disk.toString(), "--state-file", dir.resolve("again.state").toString());
        assertEquals(0, exit);
        assertEquals(objects, objectKeys().size(), "a second upload of the same file adds no objects");
    }

    @Test
    void anIncrementalUploadSendsOnlyChangedBlocks() throws IOException {
        Path base = dir.resolve("base.raw");
        writeDisk(base, 40 * MIB, 11);
        Upload.Result parent = Upload.run(endpoint(), new Upload.Options(base, null, null, 4, null, null, null, 0));

        Path changed = dir.resolve("changed.raw");
        Files.copy(base, changed);
        try (RandomAccessFile file = new RandomAccessFile(changed.toFile(), "rw")) {
            for (int index : new int[] { 3, 17, 60 }) {
                file.seek((long) index * BLOCK + 100);
                file.write(block(9000 + index), 0, 4096);
            }
            file.seek(5L * BLOCK);
            file.write(new byte[BLOCK]); // a block zeroed out must be sent too
        }
        Upload.Result child = Upload.run(endpoint(),
                new Upload.Options(changed, parent.snapshotId(), null, 4, null, null, null, 0));
        assertEquals("completed", child.status());
        boolean block5HadData = !java.util.Arrays.equals(Files.readAllBytes(base), 5 * BLOCK, 6 * BLOCK,
                new byte[BLOCK], 0, BLOCK);
        assertEquals(block5HadData ? 4 : 3, child.blocksSent());

        given().auth().oauth2(token(OWNER)).queryParam("firstSnapshotId", parent.snapshotId())
                .get("/snapshots/" + child.snapshotId() + "/changedblocks").then().statusCode(200)
                .body("ChangedBlocks.size()", org.hamcrest.Matchers.is(block5HadData ? 4 : 3));
        Path copy = dir.resolve("changed-copy.raw");
        Download.run(endpoint(), child.snapshotId(), copy, 4, null);
        assertEquals(-1, Files.mismatch(changed, copy));
    }

    /** The tool reads the EBS wire's refusals: the error type and Reason, and which of them are final. */
    @Test
    void theToolTellsEbsRefusalsApart() {
        SnapshotEndpoint api = endpoint();
        String id = api.startSnapshot(1, null, null, java.util.Map.of(), null).path("SnapshotId").asText();
        byte[] data = block(9601);
        SnapshotEndpoint.Refused outside = assertThrows(SnapshotEndpoint.Refused.class,
                () -> api.putBlock(id, 2048, data, sha(data)));
        assertEquals(400, outside.status);
        assertEquals("ValidationException", outside.code);
        assertEquals("INVALID_BLOCK", outside.reason);
        // A block the object store lacks is final at once (upload it first), not retried as a conflict would be.
        long started = System.nanoTime();
        SnapshotEndpoint.Refused notUploaded = assertThrows(SnapshotEndpoint.Refused.class,
                () -> api.referenceBlocks(id, java.util.List.of(new SnapshotEndpoint.BlockRef(0, sha(data)))));
        assertEquals(SnapshotEndpoint.NOT_UPLOADED, notUploaded.code);
        assertTrue(System.nanoTime() - started < 5_000_000_000L, "not retried");
        SnapshotEndpoint.Refused strangers = assertThrows(SnapshotEndpoint.Refused.class,
                () -> new SnapshotEndpoint(service.toString(), token(STRANGER)).complete(id, 0, aggregate(java.util.List.of())));
        assertEquals(404, strangers.status);
        assertEquals("SNAPSHOT_NOT_FOUND", strangers.reason);
        assertEquals("completed", api.complete(id, 0, aggregate(java.util.List.of())));
    }

    @Test
    void theToolNeedsAToken() {
        assertNotEquals(0, SnapshotTool.run("upload", "--endpoint", service.toString(), "--token", "",
                "--file", "/nonexistent"));
        assertEquals(3, SnapshotTool.run("download", "--endpoint", service.toString(), "--token", token(OWNER),
                "--no-progress", "--snapshot-id", "snap-00000000000000000", "--file", dir.resolve("x").toString()));
    }

    /**
     * A sparse disk: 1 MiB extents that are random data, a repeated pattern, or holes. Only data is written, so
     * the holes are real holes in the file.
     */
    static void writeDisk(Path path, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] repeated = block(seed * 31);
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(size);
            for (long offset = 0; offset < size; offset += BLOCK) {
                int kind = random.nextInt(10);
                int length = (int) Math.min(BLOCK, size - offset);
                if (kind < 5) {
                    continue; // hole
                }
                file.seek(offset);
                file.write(kind < 7 ? repeated : block(random.nextLong()), 0, length);
            }
        }
    }
}
