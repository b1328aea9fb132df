package dev.imageregistry.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Snapshots with many mapped blocks, made cheaply straight on a Region's snapshot-service with an account's bearer
 * token: the blocks cycle through a few distinct contents, each put once (PutSnapshotBlock), and every other index is
 * mapped by checksum with the snapshot-service's block-references addition, in the largest batches it takes. What is
 * measured or listed afterwards goes through the AWS endpoint; making the snapshot is not what is tested.
 */
final class MappedSnapshots {
    static final int BLOCK = 524_288;
    /** The most blocks one block-references call takes (the snapshot-service's BlockBatch.MAX_BATCH). */
    static final int BATCH = 100;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String snapshotService;
    private final String token;
    private final List<byte[]> contents = new ArrayList<>();
    private final List<byte[]> digests = new ArrayList<>();
    private long slowestBatchNanos;

    MappedSnapshots(String snapshotService, String token, int distinct, long seed) {
        this.snapshotService = snapshotService;
        this.token = token;
        Random random = new Random(seed);
        for (int i = 0; i < distinct; i++) {
            byte[] block = new byte[BLOCK];
            random.nextBytes(block);
            contents.add(block);
            try {
                digests.add(MessageDigest.getInstance("SHA-256").digest(block));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The bytes of block {@code index} of every snapshot made here: the distinct contents in turn. */
    byte[] content(int index) {
        return contents.get(index % contents.size());
    }

    /** Its SHA-256, base64 (EBS's {@code Checksum}). */
    String checksum(int index) {
        return Base64.getEncoder().encodeToString(digests.get(index % digests.size()));
    }

    /** Its SHA-256 in hex (the block object's key). */
    String hex(int index) {
        return HexFormat.of().formatHex(digests.get(index % digests.size()));
    }

    /** The slowest block-references call so far, in ms. */
    double slowestBatchMillis() {
        return slowestBatchNanos / 1e6;
    }

    /** A completed snapshot of {@code gib} GiB whose blocks 0 … {@code mapped}-1 all hold data. */
    String completed(int gib, int mapped) throws Exception {
        String started = ok(201, call("POST", "/snapshots", Map.of("Content-Type", "application/json"),
                ("{\"VolumeSize\":" + gib + ",\"ClientToken\":\"" + UUID.randomUUID() + "\"}")
                        .getBytes(StandardCharsets.UTF_8)));
        String snapshotId = JSON.readTree(started).path("SnapshotId").asText();
        int put = Math.min(contents.size(), mapped);
        for (int index = 0; index < put; index++) {
            ok(201, call("PUT", "/snapshots/" + snapshotId + "/blocks/" + index, Map.of("x-amz-Checksum",
                    checksum(index), "x-amz-Checksum-Algorithm", "SHA256", "x-amz-Data-Length", String.valueOf(BLOCK)),
                    content(index)));
        }
        for (int from = put; from < mapped; from += BATCH) {
            String batch = IntStream.range(from, Math.min(from + BATCH, mapped))
                    .mapToObj(i -> "{\"BlockIndex\":" + i + ",\"Checksum\":\"" + checksum(i) + "\"}")
                    .collect(Collectors.joining(",", "{\"Blocks\":[", "]}"));
            long sent = System.nanoTime();
            ok(200, call("POST", "/snapshots/" + snapshotId + "/block-references",
                    Map.of("Content-Type", "application/json"), batch.getBytes(StandardCharsets.UTF_8)));
            slowestBatchNanos = Math.max(slowestBatchNanos, System.nanoTime() - sent);
        }
        String completed = ok(202, call("POST", "/snapshots/completion/" + snapshotId,
                Map.of("x-amz-ChangedBlocksCount", String.valueOf(mapped)), new byte[0]));
        assertEquals("completed", JSON.readTree(completed).path("Status").asText(), completed);
        return snapshotId;
    }

    private HttpResponse<String> call(String method, String path, Map<String, String> headers, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(snapshotService + path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String ok(int status, HttpResponse<String> answer) {
        assertEquals(status, answer.statusCode(), answer.request().uri() + ": " + answer.body());
        return answer.body();
    }
}
