package dev.imageregistry.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A disk in and out with {@code aws ebs} (the EBS direct APIs, SigV4 service {@code ebs}) through the Region's one
 * AWS endpoint, as coldsnap and boto3's {@code ebs} client use it: start, put blocks, complete, list, read back
 * byte-identical; an incremental snapshot and its changed blocks; and the refusals' EBS error types.
 */
final class EbsWalkthrough {
    static final int BLOCK = 512 * 1024;

    private final AwsCli aws;
    private final String endpoint;
    private final MappedSnapshots snapshots;

    EbsWalkthrough(AwsCli aws, String endpoint, MappedSnapshots snapshots) {
        this.aws = aws;
        this.endpoint = endpoint;
        this.snapshots = snapshots;
    }

    void run(Path work) throws Exception {
        // 1. A 1 GiB disk with data in blocks 0, 1 and 7 (the rest never written, as a sparse disk's).
        String base = aws.ok("--profile", "a", "ebs", "start-snapshot", "--volume-size", "1", "--description",
                "a disk in with aws ebs", "--tags", "Key=team,Value=web", "--query", "SnapshotId", "--output", "text");
        assertTrue(base.matches("snap-[0-9a-f]{17}"), base);
        Random random = new Random(7);
        Map<Integer, byte[]> written = new LinkedHashMap<>();
        for (int index : new int[] {0, 1, 7}) {
            written.put(index, put(work, base, index, random));
        }
        // A body that is not the block its checksum names is refused, and so is a block outside the volume.
        Path other = block(work, "other.bin", new Random(99));
        aws.fails("ValidationException", "--profile", "a", "ebs", "put-snapshot-block", "--snapshot-id", base,
                "--block-index", "2", "--block-data", other.toString(), "--data-length", String.valueOf(BLOCK),
                "--checksum", checksum(written.get(0)), "--checksum-algorithm", "SHA256");
        aws.fails("ValidationException", "--profile", "a", "ebs", "put-snapshot-block", "--snapshot-id", base,
                "--block-index", "2048", "--block-data", other.toString(), "--data-length", String.valueOf(BLOCK),
                "--checksum", checksum(Files.readAllBytes(other)), "--checksum-algorithm", "SHA256");
        aws.fails("ResourceNotFoundException", "--profile", "a", "ebs", "list-snapshot-blocks", "--snapshot-id",
                "snap-0000000000000000f");
        complete(base, 3);

        // 2. Listed page by page, and read back byte-identical.
        assertEquals("0\t1\t7", aws.ok("--profile", "a", "ebs", "list-snapshot-blocks", "--snapshot-id", base,
                "--query", "Blocks[].BlockIndex", "--output", "text").replaceAll("\\s+", "\t"));
        for (Map.Entry<Integer, byte[]> block : written.entrySet()) {
            assertArrayEquals(block.getValue(), get(work, base, block.getKey()), "block " + block.getKey());
        }
        // Another account does not see the snapshot at all.
        aws.fails("ResourceNotFoundException", "--profile", "c", "ebs", "list-snapshot-blocks", "--snapshot-id", base);

        // 3. An incremental snapshot: block 1 rewritten, block 3 added; only those two are changed blocks.
        String next = aws.ok("--profile", "a", "ebs", "start-snapshot", "--volume-size", "1", "--parent-snapshot-id",
                base, "--query", "SnapshotId", "--output", "text");
        byte[] one = put(work, next, 1, random);
        put(work, next, 3, random);
        complete(next, 2);
        assertEquals("1\t3", aws.ok("--profile", "a", "ebs", "list-changed-blocks", "--first-snapshot-id", base,
                "--second-snapshot-id", next, "--query", "ChangedBlocks[].BlockIndex", "--output", "text")
                .replaceAll("\\s+", "\t"));
        assertArrayEquals(one, get(work, next, 1), "the rewritten block");
        assertArrayEquals(written.get(7), get(work, next, 7), "a block the child inherits from its parent");

        // 4. More blocks than the largest page (10,000) with boto3's ebs client, listed by following NextToken.
        morePagesThanOneWithBoto3();
    }

    /**
     * 10,050 blocks (made cheaply on the snapshot-service: writing them one by one is not what is tested here, and
     * took 142 s with boto3 on these machines), listed and read through the AWS endpoint with boto3's ebs client.
     */
    private void morePagesThanOneWithBoto3() throws Exception {
        String snapshot = snapshots.completed(8, 10_050);
        Path script = Path.of(EbsWalkthrough.class.getResource("/ebs_pages.py").toURI());
        AwsCli.Run run = aws.python(script, endpoint, "a", snapshot);
        assertEquals(0, run.exit(), () -> "ebs_pages.py\n" + run.err() + run.out());
        JsonNode seen = new ObjectMapper().readTree(run.out());
        assertEquals("[10000,50]", seen.path("pages").toString(), run.out());
        assertTrue(seen.path("inOrderOnce").asBoolean(), run.out());
        assertEquals("[100,100,50]", seen.path("smallPages").toString(), run.out());
        assertTrue(seen.path("lastBlockIntact").asBoolean(), run.out());
        assertEquals(snapshots.checksum(10_049), seen.path("lastBlockChecksum").asText(), run.out());
    }

    private byte[] put(Path work, String snapshot, int index, Random random) throws Exception {
        Path file = block(work, snapshot + "-" + index + ".bin", random);
        byte[] data = Files.readAllBytes(file);
        assertEquals(checksum(data), aws.ok("--profile", "a", "ebs", "put-snapshot-block", "--snapshot-id", snapshot,
                "--block-index", String.valueOf(index), "--block-data", file.toString(), "--data-length",
                String.valueOf(BLOCK), "--checksum", checksum(data), "--checksum-algorithm", "SHA256", "--query",
                "Checksum", "--output", "text"));
        return data;
    }

    private void complete(String snapshot, int changedBlocks) {
        String status = aws.ok("--profile", "a", "ebs", "complete-snapshot", "--snapshot-id", snapshot,
                "--changed-blocks-count", String.valueOf(changedBlocks), "--query", "Status", "--output", "text");
        assertTrue(status.equals("pending") || status.equals("completed"), status);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals("completed", aws.ok("--profile", "a",
                "ec2", "describe-snapshots", "--snapshot-ids", snapshot, "--query", "Snapshots[0].State", "--output",
                "text")));
    }

    private byte[] get(Path work, String snapshot, int index) throws Exception {
        String token = aws.ok("--profile", "a", "ebs", "list-snapshot-blocks", "--snapshot-id", snapshot,
                "--starting-block-index", String.valueOf(index), "--query", "Blocks[0].BlockToken", "--output", "text");
        Path out = work.resolve(snapshot + "-" + index + ".read");
        aws.ok("--profile", "a", "ebs", "get-snapshot-block", "--snapshot-id", snapshot, "--block-index",
                String.valueOf(index), "--block-token", token, out.toString());
        return Files.readAllBytes(out);
    }

    private static Path block(Path work, String name, Random random) throws Exception {
        byte[] data = new byte[BLOCK];
        random.nextBytes(data);
        Path file = work.resolve(name);
        Files.write(file, data);
        return file;
    }

    private static String checksum(byte[] data) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
