package dev.imageregistry.gateway.ec2;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

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
import io.restassured.response.Response;

/**
 * The endpoint as a client meets it over HTTP, with no service of the Region running: what the HTTP layer refuses
 * (another path, another method, a body over 1 MiB declared or chunked) comes in EC2's error envelope with a request
 * ID; health and metrics still answer beside it; and signed requests go the whole way through the route — verified,
 * run and answered (STS and DescribeRegions need no service; DescribeImages and a request for another Region find
 * theirs unreachable and are answered 503).
 */
@QuarkusTest
@TestProfile(AwsEndpointTest.NoServices.class)
class AwsEndpointTest {
    static final String KEY_ID = "AKIAENDPOINTTEST0001";
    static final String SECRET = "endpoint/test/secret/endpoint/test/secret";
    static final int LIMIT = 1024 * 1024;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The gateway alone: an access key, a key to sign its tokens with, and services that do not answer. */
    public static class NoServices implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path directory = Files.createTempDirectory("aws-endpoint-test");
                Path keys = directory.resolve("access-keys.json");
                Files.writeString(keys, "{\"AccessKeys\":[{\"AccessKeyId\":\"" + KEY_ID + "\",\"SecretAccessKey\":\"" + SECRET
                        + "\",\"Account\":\"111111111111\",\"UserName\":\"tester\"}]}");
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                Path signing = directory.resolve("token-signing.key");
                Files.writeString(signing, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder()
                        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
                // Port 1 on loopback: nothing listens there, so every call of a service is refused at once.
                String nowhere = "http://127.0.0.1:1";
                Map<String, String> config = new HashMap<>(Map.of("gateway.access-keys-file", keys.toString(),
                        "smallrye.jwt.sign.key.location", signing.toString(),
                        "gateway.regions", "us-east-1=http://127.0.0.1:8080,eu-west-1=" + nowhere,
                        "gateway.services.registry", nowhere, "gateway.services.snapshot", nowhere,
                        "gateway.services.launch", nowhere, "gateway.services.replicator", nowhere));
                // HostileQueryTest sends thousands of requests as this one account: no limit for it.
                for (String limit : List.of("describe", "mutate", "launch", "blocks")) {
                    config.put("gateway.limits.accounts.\"111111111111\"." + limit + ".per-second", "0");
                }
                return config;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TestHTTPResource("/")
    URI endpoint;

    @Test
    void anotherPathIsAnInvalidActionInEc2sEnvelope() {
        refusal(given().get("/images"), 404, "InvalidAction");
        refusal(given().body("Action=DescribeImages").contentType("application/x-www-form-urlencoded").post("/ec2/"), 404,
                "InvalidAction");
        refusal(given().get("/q/nothing-here"), 404, "InvalidAction");
        refusal(given().patch("/images"), 404, "InvalidAction");
    }

    @Test
    void anotherMethodIsRefusedWith405() {
        refusal(given().put("/"), 405, "InvalidAction");
        refusal(given().delete("/"), 405, "InvalidAction");
        refusal(given().body("x").patch("/"), 405, "InvalidAction");
    }

    @Test
    void optionsAndHeadAnswerAsTheyAlwaysDid() {
        given().options("/").then().statusCode(200).header("Allow", "HEAD, POST, GET, OPTIONS");
        given().head("/").then().statusCode(401).header("x-amzn-RequestId", not(emptyString())).body(emptyString());
    }

    @Test
    void aBodyOverTheLimitIs413InTheEnvelopeDeclaredOrChunked() {
        byte[] large = ("Action=DescribeImages&Name=" + "a".repeat(LIMIT)).getBytes(StandardCharsets.US_ASCII);
        String declared = raw("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: " + large.length + "\r\n\r\n", large, false);
        assertTrue(declared.startsWith("HTTP/1.1 413 "), declared);
        assertTrue(declared.contains("<Code>InvalidRequest</Code>") && declared.contains("x-amzn-RequestId: ")
                && declared.contains("connection: close"), declared);

        String chunked = raw("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n", large, true);
        assertTrue(chunked.startsWith("HTTP/1.1 413 "), chunked);
        assertTrue(chunked.contains("<Code>InvalidRequest</Code>") && chunked.contains("x-amzn-RequestId: "), chunked);

        // Just under the limit is read, and then refused for what it says (it is not signed).
        String fits = "Action=DescribeImages&Name=" + "a".repeat(LIMIT - 100);
        refusal(given().body(fits).contentType("application/x-www-form-urlencoded").post("/"), 401, "AuthFailure");
    }

    @Test
    void aClientThatAsksLeaveToSendItsBodyGetsIt() {
        String answer = raw("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 21\r\nExpect: 100-continue\r\n\r\n", "Action=DescribeImages".getBytes(StandardCharsets.US_ASCII),
                false);
        assertTrue(answer.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 "), answer);
        assertTrue(answer.contains("<Code>AuthFailure</Code>"), answer);
    }

    @Test
    void healthAndMetricsAnswerBesideTheEndpoint() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200);
        refusal(given().get("/?Action=DescribeImages"), 401, "AuthFailure");
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("imageregistry_gateway_requests_total{action=\"DescribeImages\",status=\"401\"}"));
    }

    @Test
    void signedRequestsAreVerifiedRunAndAnswered() throws Exception {
        HttpResponse<String> identity = signed("Action=GetCallerIdentity&Version=2011-06-15", "sts", "us-east-1");
        assertEquals(200, identity.statusCode(), identity.body());
        assertTrue(identity.body().contains("<Account>111111111111</Account>")
                && identity.body().contains("<Arn>arn:aws:iam::111111111111:user/tester</Arn>"), identity.body());
        assertEquals("text/xml;charset=UTF-8", identity.headers().firstValue("Content-Type").orElse(""));

        HttpResponse<String> regions = signed("Action=DescribeRegions&Version=2016-11-15", "ec2", "us-east-1");
        assertEquals(200, regions.statusCode(), regions.body());
        assertTrue(regions.body().contains("<regionName>eu-west-1</regionName>"), regions.body());
        String requestId = regions.headers().firstValue("x-amzn-RequestId").orElseThrow();
        assertTrue(regions.body().contains("<requestId>" + requestId + "</requestId>"), regions.body());

        HttpResponse<String> dryRun = signed("Action=DescribeRegions&Version=2016-11-15&DryRun=true", "ec2", "us-east-1");
        assertSignedRefusal(dryRun, 412, "DryRunOperation");
        assertSignedRefusal(signed("Action=DescribeRegions&Version=2016-11-15&RegionName.1=mars-1", "ec2", "us-east-1"),
                400, "InvalidParameterValue");
        assertSignedRefusal(signed("Action=CreateVpc&Version=2016-11-15", "ec2", "us-east-1"), 400, "UnsupportedOperation");
    }

    @Test
    void aServiceThatDoesNotAnswerIsUnavailable() throws Exception {
        HttpResponse<String> images = signed("Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-0123456789abcdef0",
                "ec2", "us-east-1");
        assertSignedRefusal(images, 503, "Unavailable");
        assertTrue(images.body().contains("registry-service is not reachable"), images.body());
        // A check before a DryRun calls the service too, and gets the same answer.
        assertSignedRefusal(signed("Action=DeregisterImage&Version=2016-11-15&ImageId=ami-0123456789abcdef0&DryRun=true",
                "ec2", "us-east-1"), 503, "Unavailable");
        // Signed for another Region: passed on to its gateway, which does not answer either.
        HttpResponse<String> elsewhere = signed("Action=DescribeImages&Version=2016-11-15", "ec2", "eu-west-1");
        assertSignedRefusal(elsewhere, 503, "Unavailable");
        assertTrue(elsewhere.body().contains("The gateway of eu-west-1 is not reachable"), elsewhere.body());
        assertSignedRefusal(signed("Action=DescribeImages&Version=2016-11-15", "ec2", "ap-south-1"), 401, "AuthFailure");
    }

    @Test
    void ebsDirectFindsTheSnapshotServiceUnreachableAndSaysSoInItsShape() throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + endpoint.getPort() + "/snapshots/snap-0123456789abcdef0/blocks");
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(AwsCredentialsIdentity.create(KEY_ID, SECRET))
                .request(SdkHttpRequest.builder().method(SdkHttpMethod.GET).uri(uri).build())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ebs")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")).request();
        HttpRequest.Builder http = HttpRequest.newBuilder(uri).GET();
        signed.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) {
                values.forEach(value -> http.header(name, value));
            }
        });
        HttpResponse<String> answer = CLIENT.send(http.build(), HttpResponse.BodyHandlers.ofString());
        // The model's InternalServerException, as a 503: the SDKs and the aws CLI retry it.
        assertEquals(503, answer.statusCode(), answer.body());
        assertEquals("InternalServerException", answer.headers().firstValue("x-amzn-ErrorType").orElse(null));
        assertEquals("application/json", answer.headers().firstValue("Content-Type").orElse(null));
        assertTrue(answer.body().contains("\"Message\":\"The Region's snapshot-service is not reachable"), answer.body());

        // The HTTP layer's refusals of an EBS path are in EBS's shape too.
        String tooLarge = raw("PUT /snapshots/snap-0123456789abcdef0/blocks/0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Length: " + (2 * LIMIT) + "\r\n\r\n", new byte[2 * LIMIT], false);
        assertTrue(tooLarge.startsWith("HTTP/1.1 413 ") && tooLarge.contains("x-amzn-ErrorType: InvalidRequest")
                && tooLarge.contains("{\"message\":\"The request body is larger"), tooLarge);
    }

    // --- helpers

    private static void refusal(Response response, int status, String code) {
        response.then().statusCode(status).header("Content-Type", "text/xml;charset=UTF-8")
                .header("x-amzn-RequestId", not(emptyString()))
                .body(containsString("<Response><Errors><Error><Code>" + code + "</Code><Message>"))
                .body(containsString("<RequestID>" + response.header("x-amzn-RequestId") + "</RequestID></Response>"));
    }

    private static void assertSignedRefusal(HttpResponse<String> response, int status, String code) {
        assertEquals(status, response.statusCode(), response.body());
        String requestId = response.headers().firstValue("x-amzn-RequestId").orElseThrow();
        assertTrue(response.body().contains("<Code>" + code + "</Code>")
                && response.body().contains("<RequestID>" + requestId + "</RequestID>"), response.body());
    }

    /** A form POST signed by the AWS SDK's own signer, as its clients sign one. */
    private HttpResponse<String> signed(String form, String service, String region) throws Exception {
        byte[] body = form.getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create("http://127.0.0.1:" + endpoint.getPort() + "/");
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri)
                .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8").build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(AwsCredentialsIdentity.create(KEY_ID, SECRET))
                .request(request).payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)).request();
        HttpRequest.Builder http = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        signed.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) { // the client sends this very value itself
                values.forEach(value -> http.header(name, value));
            }
        });
        return CLIENT.send(http.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A request written by hand on a socket (headers, then the body as given or in chunks), and everything the server
     * wrote back until it closed the connection or 2 s passed. The body goes on in the background, so a server that
     * answers before reading it all is seen doing so.
     */
    private String raw(String head, byte[] body, boolean chunked) {
        try (Socket socket = new Socket("127.0.0.1", endpoint.getPort())) {
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            if (head.contains("Expect: 100-continue")) {
                byte[] interim = new byte[25];
                int read = 0;
                while (read < interim.length) {
                    read += in.read(interim, read, interim.length - read);
                }
                String continued = new String(interim, StandardCharsets.US_ASCII);
                out.write(body);
                out.flush();
                return continued + readAll(in);
            }
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    if (chunked) {
                        for (int at = 0; at < body.length; at += 8192) {
                            int size = Math.min(8192, body.length - at);
                            out.write((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.write(body, at, size);
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } else {
                        out.write(body);
                    }
                    out.flush();
                } catch (IOException e) {
                    // the server closed the connection before the whole body was sent: what is tested
                }
            });
            String answer = readAll(in);
            sending.cancel(true);
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readAll(InputStream in) {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                answer.write(buffer, 0, n);
                String text = answer.toString(StandardCharsets.US_ASCII);
                if (text.contains("</Response>")) {
                    break;
                }
            }
        } catch (IOException e) {
            // closed or timed out: what arrived is the answer
        }
        return answer.toString(StandardCharsets.US_ASCII);
    }
}
