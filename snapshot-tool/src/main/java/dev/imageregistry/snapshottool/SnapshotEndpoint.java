package dev.imageregistry.snapshottool;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The snapshot-service's block API as the tool uses it. Transient failures (connection errors, 5xx such as
 * ServiceUnavailable while S3 is away) are retried with backoff; refusals (4xx) are not.
 */
public final class SnapshotEndpoint {
    public static final int BLOCK_SIZE = 524_288;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 6;

    private final HttpClient http;
    private final String base;
    private final String token;

    public SnapshotEndpoint(String endpoint, String token) {
        this.base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.token = token;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** A refusal by the service, with its EC2 error code. */
    public static final class Refused extends RuntimeException {
        public final int status;
        public final String code;

        Refused(int status, String code, String message) {
            super(code + ": " + message);
            this.status = status;
            this.code = code;
        }
    }

    public record Block(int index, String token, String checksum) {
    }

    public record StoredBlock(byte[] data, String checksum) {
    }

    public JsonNode startSnapshot(int volumeSizeGiB, String parentSnapshotId, String description,
            Map<String, String> tags, String clientToken) {
        var body = JSON.createObjectNode().put("VolumeSize", volumeSizeGiB);
        if (parentSnapshotId != null) {
            body.put("ParentSnapshotId", parentSnapshotId);
        }
        if (description != null) {
            body.put("Description", description);
        }
        var tagArray = body.putArray("Tags");
        tags.forEach((k, v) -> tagArray.addObject().put("Key", k).put("Value", v));
        if (clientToken != null) {
            body.put("ClientToken", clientToken);
        }
        return json(request("/snapshots").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .header("Content-Type", "application/json"));
    }

    public JsonNode describe(String snapshotId) {
        JsonNode found = json(request("/snapshots?SnapshotId=" + enc(snapshotId)).GET());
        JsonNode list = found.path("Snapshots");
        if (list.isEmpty()) {
            throw new Refused(400, "InvalidSnapshot.NotFound", snapshotId);
        }
        return list.get(0);
    }

    public void putBlock(String snapshotId, int index, byte[] data, String checksumBase64) {
        send(request("/snapshots/" + snapshotId + "/blocks/" + index)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data))
                .header("Content-Type", "application/octet-stream")
                .header("x-amz-Checksum", checksumBase64)
                .header("x-amz-Checksum-Algorithm", "SHA256")
                .header("x-amz-Data-Length", Integer.toString(data.length)));
    }

    public String complete(String snapshotId, long changedBlocks, String aggregateChecksum) {
        var body = JSON.createObjectNode().put("ChangedBlocksCount", changedBlocks).put("Checksum", aggregateChecksum)
                .put("ChecksumAlgorithm", "SHA256").put("ChecksumAggregationMethod", "LINEAR");
        return json(request("/snapshots/" + snapshotId + "/completion")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).header("Content-Type", "application/json"))
                .path("Status").asText();
    }

    /** Every written block of a snapshot, following NextToken. */
    public List<Block> listBlocks(String snapshotId) {
        List<Block> blocks = new ArrayList<>();
        String next = null;
        do {
            JsonNode page = json(request("/snapshots/" + snapshotId + "/blocks"
                    + (next == null ? "" : "?NextToken=" + enc(next))).GET());
            for (JsonNode b : page.path("Blocks")) {
                blocks.add(new Block(b.path("BlockIndex").asInt(), b.path("BlockToken").asText(),
                        b.path("Checksum").asText(null)));
            }
            next = page.path("NextToken").asText(null);
        } while (next != null);
        return blocks;
    }

    public StoredBlock getBlock(String snapshotId, Block block) {
        HttpResponse<byte[]> response = send(request("/snapshots/" + snapshotId + "/blocks/" + block.index()
                + "?BlockToken=" + enc(block.token())).GET());
        return new StoredBlock(response.body(), response.headers().firstValue("x-amz-Checksum").orElse(null));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + token);
    }

    private JsonNode json(HttpRequest.Builder request) {
        HttpResponse<byte[]> response = send(request);
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("unreadable answer from " + base, e);
        }
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder builder) {
        HttpRequest request = builder.build();
        IOException lastFailure = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() < 300) {
                    return response;
                }
                String code = "HTTP" + response.statusCode();
                String message = new String(response.body(), StandardCharsets.UTF_8);
                try {
                    JsonNode error = JSON.readTree(response.body()).path("Errors").path(0);
                    code = error.path("Code").asText(code);
                    message = error.path("Message").asText(message);
                } catch (IOException e) {
                    // not an EC2 error body: keep the raw text
                }
                if (response.statusCode() < 500 && response.statusCode() != 409 && response.statusCode() != 429) {
                    throw new Refused(response.statusCode(), code, message);
                }
                lastFailure = new IOException(code + ": " + message);
            } catch (IOException e) {
                lastFailure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            try {
                Thread.sleep(Math.min(8000, 250L << attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " failed after " + ATTEMPTS
                + " attempts: " + lastFailure.getMessage(), lastFailure);
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
