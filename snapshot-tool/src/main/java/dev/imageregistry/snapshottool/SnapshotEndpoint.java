package dev.imageregistry.snapshottool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The snapshot-service's block API as the tool uses it: the EBS direct APIs on EBS's wire (botocore's {@code ebs}
 * model: camelCase query parameters, CompleteSnapshot's headers, errors as {@code x-amzn-ErrorType} and
 * {@code {"Message", "Reason"}}), our additions to them (checksums in listings, download URLs, direct uploads), and
 * EC2's DescribeSnapshots in EC2's JSON. Transient failures (connection errors, 5xx such as
 * InternalServerException while S3 is away) are retried with backoff; refusals (4xx) are not.
 *
 * <p>Blocks go through {@link HttpURLConnection}: blocking I/O on the calling worker thread, bodies streamed
 * straight between the socket and the worker's own 512 KiB buffer, connections kept alive. java.net.http's
 * client funnels every connection through one selector thread and copies each body into a list of small
 * buffers and again into one array, which made downloads through the service several times slower than the
 * same GETs straight to S3.
 */
public final class SnapshotEndpoint {
    public static final int BLOCK_SIZE = 524_288;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 6;
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final int READ_TIMEOUT_MS = 120_000;

    static {
        // Idle keep-alive connections kept per host (JDK default 5): fewer than the workers means new TCP
        // connections for every block. Read once, when the JDK's keep-alive cache is first used.
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", "256");
        }
    }

    private final String base;
    private final String token;

    public SnapshotEndpoint(String endpoint, String token) {
        this.base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.token = token;
    }

    /**
     * A refusal by the service: its code is EBS's error type (ValidationException, ...) on the EBS calls, with the
     * model's Reason when the type has one, and EC2's code on DescribeSnapshots.
     */
    public static final class Refused extends RuntimeException {
        public final int status;
        public final String code;
        public final String reason;

        Refused(int status, String code, String reason, String message) {
            super(code + (reason == null ? "" : " (" + reason + ")") + ": " + message);
            this.status = status;
            this.code = code;
            this.reason = reason;
        }
    }

    /** A listed block; downloadUrl is a presigned S3 GET when the listing was asked for one (else null). */
    public record Block(int index, String token, String checksum, String downloadUrl) {
        public Block(int index, String token, String checksum) {
            this(index, token, checksum, null);
        }
    }

    /** The object store refused a presigned URL (HTTP 403): expired, or not valid for what it was used for. */
    public static final class UrlRefused extends RuntimeException {
        UrlRefused(String message) {
            super(message);
        }
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
        return json(send("POST", "/snapshots", jsonBody(body), null));
    }

    public JsonNode describe(String snapshotId) {
        JsonNode found = json(send("GET", "/snapshots?SnapshotId=" + enc(snapshotId), null, null));
        JsonNode list = found.path("Snapshots");
        if (list.isEmpty()) {
            throw new Refused(400, "InvalidSnapshot.NotFound", null, snapshotId);
        }
        return list.get(0);
    }

    public void putBlock(String snapshotId, int index, byte[] data, String checksumBase64) {
        send("PUT", "/snapshots/" + snapshotId + "/blocks/" + index, new Body("application/octet-stream", data,
                Map.of("x-amz-Checksum", checksumBase64, "x-amz-Checksum-Algorithm", "SHA256",
                        "x-amz-Data-Length", Integer.toString(data.length))), null);
    }

    /** A block of a direct upload: its index and base64 SHA-256. */
    public record BlockRef(int index, String checksum) {
    }

    /** The service's answer for one block: already stored (nothing to send), or a signed S3 PUT to send. */
    public record BlockUpload(int index, String checksum, boolean stored, String url, Map<String, String> headers) {
    }

    /**
     * block-references' refusal when a referenced block is not in the object store: its only conflict (it appends no
     * event, so it never loses an optimistic race).
     */
    public static final String NOT_UPLOADED = "ConflictException";

    /** Direct upload, step 1: Stored, or a signed PUT, for each block (at most 100). */
    public List<BlockUpload> blockUploads(String snapshotId, List<BlockRef> blocks) {
        JsonNode answer = json(send("POST", "/snapshots/" + snapshotId + "/block-uploads", batch(blocks), null));
        List<BlockUpload> uploads = new ArrayList<>();
        for (JsonNode u : answer.path("BlockUploads")) {
            Map<String, String> headers = new java.util.LinkedHashMap<>();
            u.path("Headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
            uploads.add(new BlockUpload(u.path("BlockIndex").asInt(), u.path("Checksum").asText(),
                    u.path("Stored").asBoolean(false), u.path("Url").asText(null), headers));
        }
        if (uploads.size() != blocks.size()) {
            throw new IllegalStateException("the service answered " + uploads.size() + " block uploads for "
                    + blocks.size() + " blocks");
        }
        return uploads;
    }

    /**
     * Direct upload, step 2: the blocks go into the snapshot's map (all or none). A block the object store does not
     * hold is {@link Refused} with code {@link #NOT_UPLOADED}.
     */
    public void referenceBlocks(String snapshotId, List<BlockRef> blocks) {
        send("POST", "/snapshots/" + snapshotId + "/block-references", batch(blocks), null);
    }

    private static Body batch(List<BlockRef> blocks) {
        var body = JSON.createObjectNode();
        var array = body.putArray("Blocks");
        blocks.forEach(b -> array.addObject().put("BlockIndex", b.index()).put("Checksum", b.checksum()));
        return jsonBody(body);
    }

    /**
     * PUTs one block straight to the object store with the request the service signed. No bearer token goes with
     * it (the signature is the capability). Connection failures and 5xx are retried with backoff; 403 (the signed
     * request is too old, or not valid) is {@link UrlRefused}; any other refusal (such as a body whose SHA-256 is
     * not the signed one) is final.
     */
    public void putDirect(BlockUpload upload, byte[] data) {
        withObjectStoreRetries("PUT", upload.url(), "upload", () -> putOnce(upload, data));
    }

    /** True when the object store took the block; false on a 5xx (worth another attempt). */
    private static boolean putOnce(BlockUpload upload, byte[] data) throws IOException {
        HttpURLConnection http = (HttpURLConnection) URI.create(upload.url()).toURL().openConnection();
        http.setRequestMethod("PUT");
        http.setConnectTimeout(CONNECT_TIMEOUT_MS);
        http.setReadTimeout(READ_TIMEOUT_MS);
        http.setUseCaches(false);
        http.setDoOutput(true);
        http.setFixedLengthStreamingMode(data.length);
        // Not signed, but without it HttpURLConnection declares a form body.
        http.setRequestProperty("Content-Type", "application/octet-stream");
        upload.headers().forEach(http::setRequestProperty);
        try (OutputStream out = http.getOutputStream()) {
            out.write(data);
        }
        int status = http.getResponseCode();
        if (status < 300) {
            try (InputStream in = http.getInputStream()) {
                in.readAllBytes(); // to the end, so that the connection can be reused
            }
            return true;
        }
        String error;
        try (InputStream in = http.getErrorStream()) {
            error = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String code = error.replaceAll("(?s).*<Code>([^<]*)</Code>.*", "$1");
        String what = "HTTP " + status + (code.equals(error) ? "" : " " + code);
        if (status == 403) {
            throw new UrlRefused("the object store refused the signed upload of " + URI.create(upload.url()).getPath()
                    + " (" + what + ")");
        }
        if (status >= 500) {
            return false;
        }
        throw new DirectPutRefused(upload.index(), code.equals(error) ? "" : code,
                "the object store refused block " + upload.index() + " (" + what + ")"
                        + ("XAmzContentSHA256Mismatch".equals(code)
                                ? ": its data is not what was hashed; did the file change during the upload?" : ""));
    }

    /** The object store refused a block for a reason other than the signature (4xx other than 403). */
    public static final class DirectPutRefused extends RuntimeException {
        public final int index;
        public final String code;

        DirectPutRefused(int index, String code, String message) {
            super(message);
            this.index = index;
            this.code = code;
        }
    }

    /** CompleteSnapshot: the count and the LINEAR aggregate go in headers, the body is empty (EBS's wire). */
    public String complete(String snapshotId, long changedBlocks, String aggregateChecksum) {
        Body headers = new Body(null, new byte[0], Map.of("x-amz-ChangedBlocksCount", Long.toString(changedBlocks),
                "x-amz-Checksum", aggregateChecksum, "x-amz-Checksum-Algorithm", "SHA256",
                "x-amz-Checksum-Aggregation-Method", "LINEAR"));
        return json(send("POST", "/snapshots/completion/" + snapshotId, headers, null)).path("Status").asText();
    }

    /** Every written block of a snapshot, following NextToken. */
    public List<Block> listBlocks(String snapshotId) {
        return listBlocks(snapshotId, false);
    }

    /** Every written block of a snapshot, following NextToken; with download URLs when asked. */
    public List<Block> listBlocks(String snapshotId, boolean withDownloadUrls) {
        List<Block> blocks = new ArrayList<>();
        String next = null;
        do {
            String query = (withDownloadUrls ? "?withDownloadUrls=true&maxResults=" + URL_PAGE : "?maxResults=10000")
                    + (next == null ? "" : "&pageToken=" + enc(next));
            JsonNode page = json(send("GET", "/snapshots/" + snapshotId + "/blocks" + query, null, null));
            blocks.addAll(blocks(page));
            next = page.path("NextToken").asText(null);
        } while (next != null);
        return blocks;
    }

    /** One page of blocks from {@code startingIndex} on, with freshly signed download URLs. */
    public List<Block> blocksWithFreshUrls(String snapshotId, int startingIndex, int maxResults) {
        return blocks(json(send("GET", "/snapshots/" + snapshotId + "/blocks?withDownloadUrls=true&maxResults="
                + maxResults + "&startingBlockIndex=" + startingIndex, null, null)));
    }

    private static final int URL_PAGE = 1000;

    private static List<Block> blocks(JsonNode page) {
        List<Block> blocks = new ArrayList<>();
        for (JsonNode b : page.path("Blocks")) {
            blocks.add(new Block(b.path("BlockIndex").asInt(), b.path("BlockToken").asText(),
                    b.path("Checksum").asText(null), b.path("DownloadUrl").asText(null)));
        }
        return blocks;
    }

    /**
     * Reads one block straight from the object store through its presigned URL into {@code into}. No bearer
     * token goes with it (the URL is the capability; the token is the service's business). Connection failures
     * and 5xx are retried with backoff; 403 is {@link UrlRefused} (the caller may ask for a fresh URL).
     */
    public void fetchDirect(String url, byte[] into) {
        withObjectStoreRetries("GET", url, "download", () -> fetchOnce(url, into));
    }

    /** One request to the object store: true when done, false on a 5xx (worth another attempt). */
    private interface ObjectStoreRequest {
        boolean send() throws IOException;
    }

    /**
     * Sends a request to the object store until it succeeds: connection failures and 5xx are retried with
     * backoff; what the request itself throws otherwise (UrlRefused, a final refusal) goes to the caller. After
     * the last attempt the failure names the store's address (never the signed query) and the way around it.
     */
    private static void withObjectStoreRetries(String method, String url, String verb, ObjectStoreRequest request) {
        Exception lastFailure = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                if (request.send()) {
                    return;
                }
                lastFailure = new IOException("server error");
            } catch (IOException e) {
                lastFailure = e;
            }
            try {
                Thread.sleep(Math.min(8000, 250L << attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        URI where = URI.create(url);
        throw new IllegalStateException(method + " " + where.getScheme() + "://" + where.getAuthority() + where.getPath()
                + " (object store) failed after " + ATTEMPTS + " attempts: " + lastFailure.getMessage()
                + "; if the object store is not reachable from here, " + verb + " with --via-service", lastFailure);
    }

    /** True when the block was read; false on a 5xx (worth another attempt). */
    private static boolean fetchOnce(String url, byte[] into) throws IOException {
        HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
        http.setConnectTimeout(CONNECT_TIMEOUT_MS);
        http.setReadTimeout(READ_TIMEOUT_MS);
        http.setUseCaches(false);
        int status = http.getResponseCode();
        if (status == 200) {
            try (InputStream in = http.getInputStream()) {
                int n = in.readNBytes(into, 0, into.length);
                if (n != into.length || in.read() != -1) {
                    in.readAllBytes();
                    throw new IllegalStateException("the object at " + URI.create(url).getPath()
                            + " is not one block of " + into.length + " bytes");
                }
                return true;
            }
        }
        String error;
        try (InputStream in = http.getErrorStream()) {
            // Read to the end so that the connection can be reused.
            error = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String code = error.replaceAll("(?s).*<Code>([^<]*)</Code>.*", "$1");
        String what = "HTTP " + status + (code.equals(error) ? "" : " " + code);
        if (status == 403) {
            throw new UrlRefused("the object store refused the download URL of " + URI.create(url).getPath() + " ("
                    + what + ")");
        }
        if (status >= 500) {
            return false;
        }
        throw new IllegalStateException("GET " + URI.create(url).getPath() + " from the object store: " + what);
    }

    public StoredBlock getBlock(String snapshotId, Block block) {
        byte[] data = new byte[BLOCK_SIZE];
        return new StoredBlock(data, getBlock(snapshotId, block, data));
    }

    /** Reads the block's data into {@code into} (a worker's reusable buffer) and returns its x-amz-Checksum. */
    public String getBlock(String snapshotId, Block block, byte[] into) {
        Answer answer = send("GET", "/snapshots/" + snapshotId + "/blocks/" + block.index() + "?blockToken="
                + enc(block.token()), null, into);
        if (answer.length() != into.length) {
            throw new IllegalStateException("block " + block.index() + " is " + answer.length() + " bytes");
        }
        return answer.checksum();
    }

    private record Body(String contentType, byte[] bytes, Map<String, String> headers) {
    }

    /** A successful answer: its body (JSON calls) or how many bytes went into the caller's buffer (blocks). */
    private record Answer(byte[] body, int length, String checksum) {
    }

    private static Body jsonBody(JsonNode body) {
        return new Body("application/json", body.toString().getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private JsonNode json(Answer answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new IllegalStateException("unreadable answer from " + base, e);
        }
    }

    private Answer send(String method, String path, Body body, byte[] into) {
        Exception lastFailure = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return exchange(method, path, body, into);
            } catch (Transient e) {
                lastFailure = e;
            } catch (IOException e) {
                lastFailure = e;
            }
            try {
                Thread.sleep(Math.min(8000, 250L << attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException(method + " " + URI.create(base + path).getPath() + " failed after " + ATTEMPTS
                + " attempts: " + lastFailure.getMessage(), lastFailure);
    }

    /** A 5xx, a 409 (a lost race) or throttling (429, RequestThrottledException): worth another attempt. */
    private static final class Transient extends Exception {
        Transient(String message) {
            super(message);
        }
    }

    private Answer exchange(String method, String path, Body body, byte[] into) throws IOException, Transient {
        HttpURLConnection http = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
        http.setRequestMethod(method);
        http.setConnectTimeout(CONNECT_TIMEOUT_MS);
        http.setReadTimeout(READ_TIMEOUT_MS);
        http.setUseCaches(false);
        http.setRequestProperty("Authorization", "Bearer " + token);
        if (body != null) {
            http.setDoOutput(true);
            // Fixed length: the body goes to the socket as it is, not copied into a buffer to be measured first.
            http.setFixedLengthStreamingMode(body.bytes().length);
            if (body.contentType() != null) {
                http.setRequestProperty("Content-Type", body.contentType());
            }
            body.headers().forEach(http::setRequestProperty);
            try (OutputStream out = http.getOutputStream()) {
                out.write(body.bytes());
            }
        }
        int status = http.getResponseCode();
        if (status < 300) {
            try (InputStream in = http.getInputStream()) {
                if (into == null) {
                    return new Answer(in.readAllBytes(), -1, null);
                }
                // Straight into the worker's buffer; reading to the end lets the connection be reused.
                int n = in.readNBytes(into, 0, into.length);
                if (in.read() != -1) {
                    n = -1;
                    in.readAllBytes();
                }
                return new Answer(null, n, http.getHeaderField("x-amz-Checksum"));
            }
        }
        byte[] error;
        try (InputStream in = http.getErrorStream()) {
            error = in == null ? new byte[0] : in.readAllBytes();
        }
        String ebsType = http.getHeaderField("x-amzn-ErrorType");
        String code = ebsType != null ? ebsType.replaceAll(":.*", "") : "HTTP" + status;
        String reason = null;
        String message = new String(error, StandardCharsets.UTF_8);
        try {
            JsonNode parsed = JSON.readTree(error);
            if (ebsType != null) {
                message = parsed.path("Message").asText(message);
                reason = parsed.path("Reason").asText(null);
            } else {
                code = parsed.path("Errors").path(0).path("Code").asText(code);
                message = parsed.path("Errors").path(0).path("Message").asText(message);
            }
        } catch (IOException e) {
            // not a JSON error body: keep the raw text
        }
        // A block not in the object store: asking again changes nothing, the caller has to upload it first.
        boolean notUploaded = status == 409 && path.endsWith("/block-references");
        boolean throttled = status == 429 || "RequestThrottledException".equals(code);
        if (status < 500 && (status != 409 || notUploaded) && !throttled) {
            throw new Refused(status, code, reason, message);
        }
        throw new Transient(code + ": " + message);
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
