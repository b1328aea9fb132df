package dev.imageregistry.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner.AuthLocation;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * Requests the gateway must refuse, each with the code AWS answers and an EC2 (or STS) error body: a wrong secret, an
 * unknown key, a Region that does not exist, a request signed too long ago, a presigned URL replayed after it
 * expired, missing signature parts. Signed with the AWS SDK's own signer.
 */
final class SignatureRefusals {
    private static final String DESCRIBE = "Action=DescribeImages&Version=2016-11-15&Owner.1=self";

    private final URI endpoint;
    private final URI sdkEndpoint;
    private final AwsCredentials keyOfA;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    SignatureRefusals(String endpoint, AwsClients clients) {
        this.endpoint = URI.create(endpoint + "/");
        this.sdkEndpoint = URI.create(endpoint);
        this.keyOfA = clients.keys("a").resolveCredentials();
    }

    void run() throws Exception {
        // What the SDK signs properly passes, also as a presigned URL.
        assertEquals(200, send(sign(DESCRIBE, Instant.now(), "us-east-1", false, keyOfA.secretAccessKey())).statusCode());
        assertEquals(200, send(presign(Instant.now(), Duration.ofMinutes(5))).statusCode());

        assertEquals("AuthFailure", sdkCode(keyOfA.accessKeyId(), keyOfA.secretAccessKey() + "x", "us-east-1"));
        assertEquals("AuthFailure", sdkCode("AKIAUNKNOWNKEY000000", keyOfA.secretAccessKey(), "us-east-1"));
        try (StsClient sts = StsClient.builder().endpointOverride(sdkEndpoint).region(Region.US_EAST_1)
                .httpClient(Apache5HttpClient.create()).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIAUNKNOWNKEY000000", "secret"))).build()) {
            StsException refused = assertThrows(StsException.class, sts::getCallerIdentity);
            assertEquals("InvalidClientTokenId", refused.awsErrorDetails().errorCode());
        }
        // A Region the registry does not have, in the credential scope.
        assertEquals("AuthFailure", sdkCode(keyOfA.accessKeyId(), keyOfA.secretAccessKey(), "ap-south-1"));

        // Signed 20 minutes ago (a captured request replayed later), or dated 20 minutes ahead.
        assertRefused(400, "RequestExpired", send(sign(DESCRIBE, Instant.now().minus(Duration.ofMinutes(20)), "us-east-1",
                false, keyOfA.secretAccessKey())));
        assertRefused(400, "RequestExpired", send(sign(DESCRIBE, Instant.now().plus(Duration.ofMinutes(20)), "us-east-1",
                false, keyOfA.secretAccessKey())));
        // The EBS direct APIs on the same endpoint: signed now it reaches the snapshot-service (which does not know
        // the snapshot), signed 20 minutes ago it is refused in EBS's shape, as AWS words it.
        HttpResponse<String> fresh = send(signEbs(Instant.now()));
        assertEquals(404, fresh.statusCode(), fresh.body());
        assertEquals("ResourceNotFoundException", fresh.headers().firstValue("x-amzn-ErrorType").orElse(""));
        HttpResponse<String> stale = send(signEbs(Instant.now().minus(Duration.ofMinutes(20))));
        assertEquals(403, stale.statusCode(), stale.body());
        assertEquals("InvalidSignatureException", stale.headers().firstValue("x-amzn-ErrorType").orElse("")
                .replaceAll(":.*", ""));
        assertTrue(stale.body().contains("\"message\":\"Signature expired: "), stale.body());

        // A presigned URL valid for 1 second, used 10 seconds after it was signed.
        assertRefused(400, "RequestExpired", send(presign(Instant.now().minusSeconds(10), Duration.ofSeconds(1))));

        // Missing parts.
        HttpRequest signed = sign(DESCRIBE, Instant.now(), "us-east-1", false, keyOfA.secretAccessKey());
        assertRefused(401, "AuthFailure", send(HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(DESCRIBE)).build()));
        assertRefused(400, "IncompleteSignature", send(HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .header("Authorization", signed.headers().firstValue("Authorization").orElseThrow())
                .POST(HttpRequest.BodyPublishers.ofString(DESCRIBE)).build()));
        assertRefused(400, "IncompleteSignature", send(HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .header("X-Amz-Date", signed.headers().firstValue("X-Amz-Date").orElseThrow())
                .header("Authorization", signed.headers().firstValue("Authorization").orElseThrow()
                        .replaceAll(", ?Signature=[0-9a-f]+", ""))
                .POST(HttpRequest.BodyPublishers.ofString(DESCRIBE)).build()));
        HttpResponse<String> sts = send(HttpRequest.newBuilder(URI.create(endpoint + "?Action=GetCallerIdentity&Version=2011-06-15"))
                .GET().build());
        assertEquals(403, sts.statusCode());
        assertTrue(sts.body().contains("<ErrorResponse") && sts.body().contains("<Code>MissingAuthenticationToken</Code>"),
                sts.body());
    }

    private String sdkCode(String keyId, String secret, String region) {
        try (Ec2Client ec2 = Ec2Client.builder().endpointOverride(sdkEndpoint).region(Region.of(region))
                .httpClient(Apache5HttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(keyId, secret))).build()) {
            Ec2Exception refused = assertThrows(Ec2Exception.class, () -> ec2.describeImages(r -> r.owners("self")));
            return refused.awsErrorDetails().errorCode();
        }
    }

    private static void assertRefused(int status, String code, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.body().contains("<Response><Errors><Error><Code>" + code + "</Code>"), response.body());
        assertTrue(response.body().contains("<RequestID>"), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/xml"));
    }

    private HttpRequest sign(String body, Instant at, String region, boolean presign, String secret) {
        SdkHttpRequest request = SdkHttpRequest.builder().uri(endpoint).method(SdkHttpMethod.POST)
                .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8").build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(keyOfA.accessKeyId(), secret)).request(request)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ec2").putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        HttpRequest.Builder http = HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(body));
        signed.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) {
                values.forEach(value -> http.header(name, value));
            }
        });
        return http.build();
    }

    /** ListSnapshotBlocks of a snapshot nobody has, signed for EBS with A's key at {@code at}. */
    private HttpRequest signEbs(Instant at) {
        URI uri = endpoint.resolve("/snapshots/snap-0123456789abcdef0/blocks");
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(keyOfA.accessKeyId(), keyOfA.secretAccessKey()))
                .request(SdkHttpRequest.builder().uri(uri).method(SdkHttpMethod.GET).build())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ebs").putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        HttpRequest.Builder http = HttpRequest.newBuilder(uri).GET();
        signed.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) {
                values.forEach(value -> http.header(name, value));
            }
        });
        return http.build();
    }

    private HttpRequest presign(Instant at, Duration expiry) {
        SdkHttpRequest request = SdkHttpRequest.builder().uri(endpoint).method(SdkHttpMethod.GET)
                .putRawQueryParameter("Action", "DescribeRegions").putRawQueryParameter("Version", "2016-11-15").build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(keyOfA.accessKeyId(), keyOfA.secretAccessKey())).request(request)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ec2").putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AuthLocation.QUERY_STRING)
                .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, expiry)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        return HttpRequest.newBuilder(signed.getUri()).GET().build();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
