package dev.imageregistry.gateway.ebs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * EBS direct through the Region's AWS endpoint, against real HTTP servers where it sends requests on: one at the
 * snapshot-service's address, one at eu-west-1's gateway's ({@link RecordingUpstream}: they record what arrives and
 * answer as the snapshot-service answers). A block goes through byte for byte and while it arrives, with the
 * account's bearer token instead of the signature; the answer — an EBS refusal too — comes back with its status,
 * headers and body as the upstream gave them; the aws command line's own requests pass; and what the gateway refuses
 * by itself is in EBS's shape and reaches no one.
 */
@QuarkusTest
@TestProfile(EbsEndpointTest.WithUpstreams.class)
class EbsEndpointTest {
    static final String KEY_ID = "AKIAEBSENDPOINTTEST1";
    static final String SECRET = "ebs/endpoint/test/secret/ebs/endpoint/test";
    static final String THROTTLED_KEY_ID = "AKIAEBSTHROTTLED0001";
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final String SNAPSHOT = "snap-0123456789abcdef0";
    static final byte[] BLOCK = new byte[524_288];
    static {
        new Random(16).nextBytes(BLOCK);
    }

    static RecordingUpstream snapshotService;
    static RecordingUpstream euGateway;

    /**
     * The gateway with the two upstreams' addresses. Their ports are chosen here and kept in system properties (the
     * profile may be read in another class loader than the tests run in); the tests start the servers on them.
     */
    public static class WithUpstreams implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path directory = Files.createTempDirectory("ebs-endpoint-test");
                Path keys = directory.resolve("access-keys.json");
                Files.writeString(keys, "{\"AccessKeys\":[{\"AccessKeyId\":\"" + KEY_ID + "\",\"SecretAccessKey\":\"" + SECRET
                        + "\",\"Account\":\"111111111111\"},{\"AccessKeyId\":\"" + THROTTLED_KEY_ID
                        + "\",\"SecretAccessKey\":\"" + SECRET + "\",\"Account\":\"222222222222\"}]}");
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                Path signing = directory.resolve("token-signing.key");
                Files.writeString(signing, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder()
                        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
                String nowhere = "http://127.0.0.1:1";
                Map<String, String> config = new HashMap<>(Map.of("gateway.access-keys-file", keys.toString(),
                        "smallrye.jwt.sign.key.location", signing.toString(),
                        "gateway.regions", "us-east-1=http://127.0.0.1:8080,eu-west-1=http://127.0.0.1:" + port("eu-west-1")
                                + ",ap-south-1=" + nowhere,
                        "gateway.services.snapshot", "http://127.0.0.1:" + port("snapshot-service"),
                        "gateway.services.registry", nowhere, "gateway.services.launch", nowhere,
                        "gateway.services.replicator", nowhere));
                for (String limit : List.of("describe", "mutate", "launch", "blocks")) {
                    config.put("gateway.limits.accounts.\"111111111111\"." + limit + ".per-second", "0");
                }
                // One listing, then the bucket is empty for ~17 minutes.
                config.put("gateway.limits.accounts.\"222222222222\".describe.bucket", "1");
                config.put("gateway.limits.accounts.\"222222222222\".describe.per-second", "0.001");
                return config;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static int port(String upstream) {
        String key = "ebs-endpoint-test." + upstream + ".port";
        synchronized (System.getProperties()) {
            String port = System.getProperty(key);
            if (port == null) {
                try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    port = String.valueOf(free.getLocalPort());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                System.setProperty(key, port);
            }
            return Integer.parseInt(port);
        }
    }

    @TestHTTPResource("/")
    URI endpoint;

    @BeforeAll
    static void startUpstreams() {
        snapshotService = new RecordingUpstream(port("snapshot-service"));
        euGateway = new RecordingUpstream(port("eu-west-1"));
    }

    @AfterAll
    static void stopUpstreams() {
        snapshotService.close();
        euGateway.close();
    }

    @BeforeEach
    void forget() {
        snapshotService.reset();
        euGateway.reset();
    }

    @Test
    void aBlockGoesToTheSnapshotServiceUnchangedWithTheAccountsToken() throws Exception {
        snapshotService.answer = r -> new RecordingUpstream.Reply(201, Map.of("x-amz-Checksum", checksum(BLOCK),
                "x-amz-Checksum-Algorithm", "SHA256", "x-amzn-RequestId", "4c1d2e3f-upstream", "Content-Type",
                "application/json"), new byte[0]);
        HttpResponse<String> answer = send(signBlock("us-east-1", false, checksum(BLOCK)), BLOCK);

        assertEquals(201, answer.statusCode(), answer.body());
        assertEquals(checksum(BLOCK), answer.headers().firstValue("x-amz-Checksum").orElse(null));
        assertEquals("SHA256", answer.headers().firstValue("x-amz-Checksum-Algorithm").orElse(null));
        assertEquals("4c1d2e3f-upstream", answer.headers().firstValue("x-amzn-RequestId").orElse(null));
        RecordingUpstream.Received received = snapshotService.only();
        assertEquals("PUT", received.method());
        assertEquals("/snapshots/" + SNAPSHOT + "/blocks/7", received.uri());
        assertArrayEquals(BLOCK, received.body());
        assertEquals("524288", received.header("content-length"));
        assertEquals("524288", received.header("x-amz-data-length"));
        assertEquals(checksum(BLOCK), received.header("x-amz-checksum"));
        assertEquals("SHA256", received.header("x-amz-checksum-algorithm"));
        assertEquals("75", received.header("x-amz-progress"));
        assertEquals("application/octet-stream", received.header("content-type"));
        assertEquals("111111111111", tokenAccount(received.header("authorization")));
        assertTrue(euGateway.received.isEmpty());
    }

    @Test
    void theBlockIsPassedOnWhileItIsStillArriving() throws Exception {
        snapshotService.answer = r -> new RecordingUpstream.Reply(201, Map.of("x-amz-Checksum", checksum(r.body()),
                "x-amz-Checksum-Algorithm", "SHA256"), new byte[0]);
        SdkHttpRequest signed = signBlock("us-east-1", false, checksum(BLOCK));
        StringBuilder head = new StringBuilder("PUT " + signed.encodedPath() + " HTTP/1.1\r\n");
        signed.forEachHeader((name, values) -> values.forEach(value -> head.append(name).append(": ").append(value)
                .append("\r\n")));
        head.append("Content-Length: ").append(BLOCK.length).append("\r\n\r\n");
        try (Socket socket = new Socket("127.0.0.1", endpoint.getPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(BLOCK, 0, BLOCK.length / 2);
            out.flush();
            // Half the block is sent and the rest held back: the snapshot-service is receiving it already.
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> snapshotService.bodyBytesArrived.get() > 0);
            assertTrue(snapshotService.received.isEmpty());
            out.write(BLOCK, BLOCK.length / 2, BLOCK.length - BLOCK.length / 2);
            out.flush();
            String answer = readHead(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 201 "), answer);
            // Header names as the upstream wrote them (its HTTP server capitalises them its own way).
            assertTrue(answer.toLowerCase().contains(("x-amz-checksum: " + checksum(BLOCK)).toLowerCase()), answer);
        }
        assertArrayEquals(BLOCK, snapshotService.only().body());
    }

    @Test
    void aBlockWithItsBodyHashSignedIsAcceptedWhenItsChecksumNamesThatHash() throws Exception {
        snapshotService.answer = r -> new RecordingUpstream.Reply(201, Map.of(), new byte[0]);
        SdkHttpRequest signed = signBlock("us-east-1", true, checksum(BLOCK));
        assertEquals(hex(sha256(BLOCK)), signed.firstMatchingHeader("x-amz-content-sha256").orElse(null));
        assertEquals(201, send(signed, BLOCK).statusCode());
        assertArrayEquals(BLOCK, snapshotService.only().body());

        snapshotService.reset();
        // The checksum names another body than the one signed: refused, and nothing is sent on.
        byte[] other = new byte[524_288];
        HttpResponse<String> refused = send(signBlock("us-east-1", true, checksum(other)), BLOCK);
        assertEbsRefusal(refused, 400, "XAmzContentSHA256Mismatch", "message");
        assertTrue(snapshotService.received.isEmpty());
    }

    @Test
    void startSnapshotsJsonGoesOnAndItsAnswerComesBack() throws Exception {
        String request = "{\"VolumeSize\":1,\"ClientToken\":\"0f6b2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b\",\"Timeout\":60}";
        String started = "{\"SnapshotId\":\"" + SNAPSHOT + "\",\"OwnerId\":\"111111111111\",\"Status\":\"pending\","
                + "\"StartTime\":1.7650368E9,\"VolumeSize\":1,\"BlockSize\":524288}";
        snapshotService.answer = r -> new RecordingUpstream.Reply(201, Map.of("Content-Type", "application/json"),
                started.getBytes(StandardCharsets.UTF_8));
        byte[] body = request.getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> answer = send(sign(SdkHttpMethod.POST, "/snapshots", Map.of("Content-Type", "application/json"),
                body, true, "us-east-1", KEY_ID), body);

        assertEquals(201, answer.statusCode(), answer.body());
        assertEquals(started, answer.body());
        assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(null));
        assertTrue(answer.headers().firstValue("x-amzn-RequestId").isPresent());
        RecordingUpstream.Received received = snapshotService.only();
        assertEquals("POST", received.method());
        assertEquals("/snapshots", received.uri());
        assertEquals(request, new String(received.body(), StandardCharsets.UTF_8));
        assertEquals("application/json", received.header("content-type"));
        assertEquals("111111111111", tokenAccount(received.header("authorization")));
    }

    @Test
    void theSnapshotServicesRefusalComesBackAsItGaveIt() throws Exception {
        String refusal = "{\"Message\":\"The snapshot 'snap-0123456789abcdef0' does not exist.\",\"Reason\":\"SNAPSHOT_NOT_FOUND\"}";
        snapshotService.answer = r -> new RecordingUpstream.Reply(404, Map.of("x-amzn-ErrorType", "ResourceNotFoundException",
                "Content-Type", "application/json"), refusal.getBytes(StandardCharsets.UTF_8));
        String query = "blockToken=AAUBAdb%2Bq7Y%3D";
        HttpResponse<String> answer = send(sign(SdkHttpMethod.GET, "/snapshots/" + SNAPSHOT + "/blocks/3?" + query, Map.of(),
                null, true, "us-east-1", KEY_ID), null);

        assertEquals(404, answer.statusCode());
        assertEquals("ResourceNotFoundException", answer.headers().firstValue("x-amzn-ErrorType").orElse(null));
        assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(null));
        assertEquals(refusal, answer.body());
        RecordingUpstream.Received received = snapshotService.only();
        assertEquals("GET", received.method());
        assertEquals("/snapshots/" + SNAPSHOT + "/blocks/3?" + query, received.uri());
        assertEquals(0, received.body().length);
    }

    @Test
    void aRequestSignedForAnotherRegionGoesToItsGatewayAsItCame() throws Exception {
        euGateway.answer = r -> new RecordingUpstream.Reply(201, Map.of("x-amz-Checksum", checksum(BLOCK),
                "x-amz-Checksum-Algorithm", "SHA256"), new byte[0]);
        SdkHttpRequest signed = signBlock("eu-west-1", false, checksum(BLOCK));
        HttpResponse<String> answer = send(signed, BLOCK);

        assertEquals(201, answer.statusCode(), answer.body());
        assertEquals(checksum(BLOCK), answer.headers().firstValue("x-amz-Checksum").orElse(null));
        RecordingUpstream.Received received = euGateway.only();
        assertEquals("/snapshots/" + SNAPSHOT + "/blocks/7", received.uri());
        assertArrayEquals(BLOCK, received.body());
        // Its signature and Host as signed, so that gateway verifies it again; marked, so it is not passed on again.
        assertEquals(signed.firstMatchingHeader("Authorization").orElseThrow(), received.header("authorization"));
        assertEquals("127.0.0.1:" + endpoint.getPort(), received.header("host"));
        assertEquals("us-east-1", received.header("x-imageregistry-forwarded-from"));
        assertTrue(snapshotService.received.isEmpty());

        // A Region whose gateway does not answer: the model's InternalServerException, as a 503 the SDKs retry.
        assertEbsRefusal(send(signBlock("ap-south-1", false, checksum(BLOCK)), BLOCK), 503, "InternalServerException",
                "Message");
        // A Region that does not exist.
        assertEbsRefusal(send(signBlock("mars-1", false, checksum(BLOCK)), BLOCK), 403, "InvalidSignatureException",
                "message");
    }

    @Test
    void whatTheGatewayRefusesIsInEbsShapeAndReachesNoOne() throws Exception {
        HttpResponse<String> unsigned = CLIENT.send(HttpRequest.newBuilder(uri("/snapshots/" + SNAPSHOT + "/blocks"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEbsRefusal(unsigned, 403, "MissingAuthenticationTokenException", "message");
        assertTrue(unsigned.body().contains("Missing Authentication Token"), unsigned.body());

        SdkHttpRequest wrongSecret = sign(SdkHttpMethod.GET, "/snapshots/" + SNAPSHOT + "/blocks", Map.of(), null, true,
                "us-east-1", KEY_ID, SECRET + "x");
        assertEbsRefusal(send(wrongSecret, null), 403, "InvalidSignatureException", "message");
        SdkHttpRequest unknownKey = sign(SdkHttpMethod.GET, "/snapshots/" + SNAPSHOT + "/blocks", Map.of(), null, true,
                "us-east-1", "AKIAUNKNOWNKEY000000");
        assertEbsRefusal(send(unknownKey, null), 403, "UnrecognizedClientException", "message");

        // Not one of the six operations: EBS's 404, whether signed or not (DescribeSnapshots is EC2's, at /).
        assertEbsRefusal(send(sign(SdkHttpMethod.GET, "/snapshots", Map.of(), null, true, "us-east-1", KEY_ID), null), 404,
                "UnknownOperationException", "message");
        assertEbsRefusal(send(sign(SdkHttpMethod.DELETE, "/snapshots/" + SNAPSHOT, Map.of(), null, true, "us-east-1",
                KEY_ID), null), 404, "UnknownOperationException", "message");
        assertEbsRefusal(CLIENT.send(HttpRequest.newBuilder(uri("/snapshots/" + SNAPSHOT + "/blocks/1/2")).GET().build(),
                HttpResponse.BodyHandlers.ofString()), 404, "UnknownOperationException", "message");

        // One listing is the throttled account's bucket: the next is the model's RequestThrottledException.
        assertEquals(200, send(sign(SdkHttpMethod.GET, "/snapshots/" + SNAPSHOT + "/blocks", Map.of(), null, true,
                "us-east-1", THROTTLED_KEY_ID), null).statusCode());
        snapshotService.reset();
        HttpResponse<String> throttled = send(sign(SdkHttpMethod.GET, "/snapshots/" + SNAPSHOT + "/blocks", Map.of(), null,
                true, "us-east-1", THROTTLED_KEY_ID), null);
        assertEbsRefusal(throttled, 400, "RequestThrottledException", "Message");
        assertTrue(throttled.body().contains("\"Reason\":\"ACCOUNT_THROTTLED\""), throttled.body());

        assertTrue(snapshotService.received.isEmpty());
        assertTrue(euGateway.received.isEmpty());
    }

    @Test
    void theAwsCommandLineStartsASnapshotAndPutsABlockThroughTheEndpoint() throws Exception {
        Path block = Files.createTempFile("block", ".bin");
        Files.write(block, BLOCK);
        snapshotService.answer = r -> r.method().equals("POST")
                ? new RecordingUpstream.Reply(201, Map.of("Content-Type", "application/json"), ("{\"SnapshotId\":\""
                        + SNAPSHOT + "\",\"OwnerId\":\"111111111111\",\"Status\":\"pending\",\"StartTime\":1765036800,"
                        + "\"VolumeSize\":1,\"BlockSize\":524288}").getBytes(StandardCharsets.UTF_8))
                : r.method().equals("PUT")
                        ? new RecordingUpstream.Reply(201, Map.of("x-amz-Checksum", checksum(r.body()),
                                "x-amz-Checksum-Algorithm", "SHA256"), new byte[0])
                        : new RecordingUpstream.Reply(404, Map.of("x-amzn-ErrorType", "ResourceNotFoundException",
                                "Content-Type", "application/json"),
                                "{\"Message\":\"no such snapshot\",\"Reason\":\"SNAPSHOT_NOT_FOUND\"}".getBytes());

        // botocore signs StartSnapshot's JSON body into the signature without naming its hash in a header.
        String started = aws("ebs", "start-snapshot", "--volume-size", "1", "--timeout", "60");
        assertTrue(started.contains("\"SnapshotId\": \"" + SNAPSHOT + "\""), started);
        // PutSnapshotBlock: UNSIGNED-PAYLOAD (v4-unsigned-body), the block covered by its signed checksum.
        String put = aws("ebs", "put-snapshot-block", "--snapshot-id", SNAPSHOT, "--block-index", "0",
                // BlockData is a streaming blob: the command line takes the file's path as it is (no fileb://).
                "--block-data", block.toString(), "--data-length", "524288", "--checksum", checksum(BLOCK),
                "--checksum-algorithm", "SHA256");
        assertTrue(put.contains("\"Checksum\": \"" + checksum(BLOCK) + "\""), put);
        List<RecordingUpstream.Received> received = new ArrayList<>(snapshotService.received);
        assertEquals(2, received.size());
        assertEquals("UNSIGNED-PAYLOAD", received.get(1).header("x-amz-content-sha256"));
        assertArrayEquals(BLOCK, received.get(1).body());

        // An EBS refusal reaches the command line with its code.
        CliRun missing = awsRun("ebs", "list-snapshot-blocks", "--snapshot-id", "snap-0000000000000000f");
        assertTrue(missing.exit() != 0 && missing.err().contains("(ResourceNotFoundException)"), missing.err());
    }

    // --- helpers

    private static void assertEbsRefusal(HttpResponse<String> answer, int status, String code, String messageMember) {
        assertEquals(status, answer.statusCode(), answer.body());
        assertEquals(code, answer.headers().firstValue("x-amzn-ErrorType").orElse(null), answer.body());
        assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(null));
        assertTrue(answer.headers().firstValue("x-amzn-RequestId").isPresent());
        assertTrue(answer.body().startsWith("{\"" + messageMember + "\":\""), answer.body());
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + endpoint.getPort() + pathAndQuery);
    }

    /** PutSnapshotBlock as the SDKs sign it: over https with an unsigned payload, or over http with its hash signed. */
    private SdkHttpRequest signBlock(String region, boolean payloadSigning, String checksum) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-amz-Data-Length", "524288");
        headers.put("x-amz-Checksum", checksum);
        headers.put("x-amz-Checksum-Algorithm", "SHA256");
        headers.put("x-amz-Progress", "75");
        headers.put("Content-Type", "application/octet-stream");
        return sign(SdkHttpMethod.PUT, "/snapshots/" + SNAPSHOT + "/blocks/7", headers, BLOCK, payloadSigning, region, KEY_ID);
    }

    private SdkHttpRequest sign(SdkHttpMethod method, String pathAndQuery, Map<String, String> headers, byte[] body,
            boolean payloadSigning, String region, String keyId) {
        return sign(method, pathAndQuery, headers, body, payloadSigning, region, keyId, SECRET);
    }

    private SdkHttpRequest sign(SdkHttpMethod method, String pathAndQuery, Map<String, String> headers, byte[] body,
            boolean payloadSigning, String region, String keyId, String secret) {
        // The scheme is not signed: an unsigned payload is what the SDKs send over https, and it is sent here over http.
        String scheme = payloadSigning ? "http" : "https";
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(method)
                .uri(URI.create(scheme + "://127.0.0.1:" + endpoint.getPort() + pathAndQuery));
        headers.forEach(http::putHeader);
        return AwsV4HttpSigner.create().sign(r -> {
            r.identity(AwsCredentialsIdentity.create(keyId, secret)).request(http.build())
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ebs")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, payloadSigning);
            if (body != null) {
                r.payload(ContentStreamProvider.fromByteArray(body));
            }
        }).request();
    }

    private HttpResponse<String> send(SdkHttpRequest signed, byte[] body) throws Exception {
        String pathAndQuery = signed.encodedPath() + signed.encodedQueryParameters().map(q -> "?" + q).orElse("");
        HttpRequest.Builder http = HttpRequest.newBuilder(uri(pathAndQuery)).method(signed.method().name(),
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        signed.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) { // the client sends this very value itself
                values.forEach(value -> http.header(name, value));
            }
        });
        return CLIENT.send(http.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    record CliRun(int exit, String out, String err) {
    }

    private String aws(String... args) throws Exception {
        CliRun run = awsRun(args);
        assertEquals(0, run.exit(), () -> "aws " + String.join(" ", args) + "\n" + run.err() + run.out());
        return run.out();
    }

    private CliRun awsRun(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(awsExecutable(), "--endpoint-url",
                "http://127.0.0.1:" + endpoint.getPort(), "--region", "us-east-1", "--output", "json"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Path home = Files.createTempDirectory("aws-cli");
        builder.environment().put("AWS_CONFIG_FILE", home.resolve("config").toString());
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString());
        builder.environment().put("AWS_ACCESS_KEY_ID", KEY_ID);
        builder.environment().put("AWS_SECRET_ACCESS_KEY", SECRET);
        builder.environment().put("AWS_PAGER", "");
        builder.environment().put("AWS_MAX_ATTEMPTS", "1");
        builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        builder.environment().remove("AWS_PROFILE");
        builder.environment().remove("AWS_SESSION_TOKEN");
        Path out = home.resolve("out");
        Path err = home.resolve("err");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("aws " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new CliRun(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static String awsExecutable() {
        List<String> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            candidates.add(dir + "/aws");
        }
        candidates.add(System.getProperty("user.home") + "/.pyenv/shims/aws");
        candidates.add("/usr/bin/aws");
        return candidates.stream().filter(c -> Files.isExecutable(Path.of(c))).findFirst()
                .orElseThrow(() -> new IllegalStateException("the aws command line is not installed"));
    }

    /** The account a bearer token names (its payload's {@code account} claim). */
    private static String tokenAccount(String authorization) {
        assertTrue(authorization != null && authorization.startsWith("Bearer "), authorization);
        String payload = new String(Base64.getUrlDecoder().decode(authorization.substring(7).split("\\.")[1]),
                StandardCharsets.UTF_8);
        java.util.regex.Matcher account = java.util.regex.Pattern.compile("\"account\":\"(\\d+)\"").matcher(payload);
        assertTrue(account.find(), payload);
        return account.group(1);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            head.write(b);
            if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                break;
            }
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    static String checksum(byte[] data) {
        return Base64.getEncoder().encodeToString(sha256(data));
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }
}
