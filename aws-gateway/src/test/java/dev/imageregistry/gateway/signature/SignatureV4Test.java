package dev.imageregistry.gateway.signature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner.AuthLocation;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import dev.imageregistry.gateway.wire.AwsError;

/**
 * The verifier against the AWS SDK for Java v2's own SigV4 signer: what the SDK signs is accepted, in a header and
 * presigned; every alteration, a wrong or unknown key, a stale date and a missing part are refused with AWS's codes.
 */
class SignatureV4Test {
    static final Instant NOW = Instant.parse("2026-12-03T13:00:00Z");
    static final AccessKey KEY = new AccessKey("AKIAEXAMPLEKEY000001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "111111111111", "alice");
    static final String BODY = "Action=DescribeImages&Version=2016-11-15&Owner.1=self&Filter.1.Name=name&Filter.1.Value.1=web%2A";

    final SignatureV4 verifier = new SignatureV4(id -> id.equals(KEY.accessKeyId()) ? KEY : null,
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aHeaderSignedPostIsTheSignersCaller() {
        Caller caller = verifier.verify(sign(KEY, "ec2", "us-east-1", NOW, BODY, false), "ec2");
        assertEquals("111111111111", caller.account());
        assertEquals("us-east-1", caller.region());
        assertEquals("ec2", caller.service());
        assertEquals("arn:aws:iam::111111111111:user/alice", caller.arn());
    }

    @Test
    void aPresignedGetIsAccepted() {
        Caller caller = verifier.verify(sign(KEY, "sts", "eu-west-1", NOW, null, true), "ec2");
        assertEquals("eu-west-1", caller.region());
        assertEquals("sts", caller.service());
    }

    @Test
    void aWrongSecretIsRefused() {
        AccessKey wrong = new AccessKey(KEY.accessKeyId(), KEY.secretAccessKey() + "x", KEY.account(), null);
        assertRefused("AuthFailure", 401, sign(wrong, "ec2", "us-east-1", NOW, BODY, false));
        assertRefused("SignatureDoesNotMatch", 403, sign(wrong, "sts", "us-east-1", NOW, BODY, false));
    }

    @Test
    void anUnknownKeyIsRefused() {
        AccessKey stranger = new AccessKey("AKIAUNKNOWN000000000", KEY.secretAccessKey(), KEY.account(), null);
        assertRefused("AuthFailure", 401, sign(stranger, "ec2", "us-east-1", NOW, BODY, false));
        assertRefused("InvalidClientTokenId", 403, sign(stranger, "sts", "us-east-1", NOW, BODY, false));
    }

    @Test
    void anAlteredBodyQueryOrHeaderIsRefused() {
        SignedRequest signed = sign(KEY, "ec2", "us-east-1", NOW, BODY, false);
        byte[] otherBody = BODY.replace("self", "222222222222").getBytes(StandardCharsets.UTF_8);
        // The Java SDK names the body's hash in a header: another body no longer matches it.
        assertRefused("XAmzContentSHA256Mismatch", 400, new SignedRequest(signed.method(), signed.rawPath(),
                signed.rawQuery(), signed.headers(), otherBody));
        // botocore sends no such header (the aws CLI's tests in deploy/local cover that form): a body hashed into the
        // signature alone must match it too.
        Map<String, List<String>> withoutHash = new LinkedHashMap<>(signed.headers());
        withoutHash.remove("x-amz-content-sha256");
        assertRefused("AuthFailure", 401, new SignedRequest(signed.method(), signed.rawPath(), signed.rawQuery(),
                withoutHash, otherBody));
        assertRefused("AuthFailure", 401, new SignedRequest(signed.method(), signed.rawPath(), "Action=DeregisterImage",
                signed.headers(), signed.body()));
        Map<String, List<String>> headers = new LinkedHashMap<>(signed.headers());
        headers.put("host", List.of("evil.example.com"));
        assertRefused("AuthFailure", 401, new SignedRequest(signed.method(), signed.rawPath(), signed.rawQuery(), headers,
                signed.body()));
        SignedRequest presigned = sign(KEY, "ec2", "us-east-1", NOW, null, true);
        assertRefused("AuthFailure", 401, new SignedRequest(presigned.method(), presigned.rawPath(),
                presigned.rawQuery() + "&Owner.1=self", presigned.headers(), presigned.body()));
    }

    @Test
    void aRequestOutsideTheFifteenMinutesOfSkewIsRefused() {
        assertRefused("RequestExpired", 400, sign(KEY, "ec2", "us-east-1", NOW.minus(Duration.ofMinutes(16)), BODY, false));
        assertRefused("RequestExpired", 400, sign(KEY, "ec2", "us-east-1", NOW.plus(Duration.ofMinutes(16)), BODY, false));
        assertRefused("SignatureDoesNotMatch", 403, sign(KEY, "sts", "us-east-1", NOW.minus(Duration.ofHours(1)), BODY, false));
        // Within the skew, both ways, it is fine.
        verifier.verify(sign(KEY, "ec2", "us-east-1", NOW.minus(Duration.ofMinutes(14)), BODY, false), "ec2");
        verifier.verify(sign(KEY, "ec2", "us-east-1", NOW.plus(Duration.ofMinutes(14)), BODY, false), "ec2");
    }

    @Test
    void aPresignedUrlPastItsExpiryIsRefused() {
        // Signed 10 minutes ago for 5 minutes: a replay now is too late.
        assertRefused("RequestExpired", 400, sign(KEY, "ec2", "us-east-1", NOW.minus(Duration.ofMinutes(10)), null, true));
    }

    @Test
    void missingPartsAreIncompleteSignatures() {
        SignedRequest signed = sign(KEY, "ec2", "us-east-1", NOW, BODY, false);
        String authorization = signed.header("authorization");
        assertRefused("IncompleteSignature", 400, withHeader(signed, "authorization",
                authorization.replaceAll(", Signature=[0-9a-f]+", "")));
        assertRefused("IncompleteSignature", 400, withHeader(signed, "authorization",
                authorization.replaceAll("Credential=[^,]+", "Credential=AKIA/20261203/us-east-1")));
        assertRefused("IncompleteSignature", 400, withHeader(signed, "authorization", "AWS AKIA:c2lnbmF0dXJl"));
        Map<String, List<String>> headers = new LinkedHashMap<>(signed.headers());
        headers.remove("x-amz-date");
        assertRefused("IncompleteSignature", 400, new SignedRequest(signed.method(), signed.rawPath(), signed.rawQuery(),
                headers, signed.body()));
        Map<String, List<String>> none = new LinkedHashMap<>(signed.headers());
        none.remove("authorization");
        assertRefused("AuthFailure", 401, new SignedRequest("POST", "/", null, none, signed.body()));
    }

    @Test
    void aSignatureForAnotherServiceIsRefused() {
        assertRefused("SignatureDoesNotMatch", 403, sign(KEY, "s3", "us-east-1", NOW, BODY, false));
    }

    @Test
    void theScopeIsReadBeforeVerifying() {
        SignedRequest signed = sign(KEY, "ec2", "eu-west-1", NOW, BODY, false);
        SignatureV4.Claim claim = SignatureV4.claim(signed);
        assertEquals("eu-west-1", claim.region());
        assertEquals("ec2", claim.service());
        // The same claim is what gets verified: the signature is read once per request.
        assertEquals("111111111111", verifier.verify(signed, claim, "ec2").account());
        SignatureV4.Claim unreadable = SignatureV4.claim(withHeader(signed, "authorization", "AWS4-HMAC-SHA256 Credential=x"));
        assertNull(unreadable.service());
        assertRefused("IncompleteSignature", 400, withHeader(signed, "authorization", "AWS4-HMAC-SHA256 Credential=x"));
    }

    @Test
    void theSignedDateIsReadAsTheFormatterReadsIt() {
        java.time.format.DateTimeFormatter formatter = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
        for (String date : List.of("20261203T130405Z", "20240229T235959Z", "00010101T000000Z", "99991231T235959Z")) {
            assertEquals(java.time.LocalDateTime.parse(date, formatter).toInstant(ZoneOffset.UTC),
                    SignatureV4.basicTimestamp(date), date);
        }
        // Anything else is left to the formatter (which clamps, rolls over or refuses as it always did).
        for (String date : List.of("20260231T130405Z", "20261203T240000Z", "20261303T130405Z", "2026-12-03T13:04:05Z",
                "20261203T130460Z", "00001203T130405Z", "2026120\uFF13T130405Z", "20261203t130405Z", "")) {
            assertNull(SignatureV4.basicTimestamp(date), date);
        }
    }

    @Test
    void aPathWithReservedCharactersIsSignedAsTheSdkSignsIt() {
        SignedRequest signed = signRest(KEY, "/snapshots/snap-0123456789abcdef0/blocks/7", "pageToken=a%2Fb%3D&maxResults=100");
        assertEquals("111111111111", verifier.verify(signed, "ebs").account());
    }

    // --- signing with the SDK

    private void assertRefused(String code, int status, SignedRequest request) {
        AwsError error = assertThrows(AwsError.class, () -> verifier.verify(request, "ec2"));
        assertEquals(code, error.code(), error.getMessage());
        assertEquals(status, error.status());
    }

    private static SignedRequest withHeader(SignedRequest request, String name, String value) {
        Map<String, List<String>> headers = new LinkedHashMap<>(request.headers());
        headers.put(name, List.of(value));
        return new SignedRequest(request.method(), request.rawPath(), request.rawQuery(), headers, request.body());
    }

    static SignedRequest sign(AccessKey key, String service, String region, Instant at, String formBody, boolean presign) {
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().uri(URI.create("http://127.0.0.1:8080/"));
        if (presign) {
            http.method(SdkHttpMethod.GET).encodedPath("/").putRawQueryParameter("Action", "GetCallerIdentity")
                    .putRawQueryParameter("Version", "2011-06-15");
        } else {
            http.method(SdkHttpMethod.POST).putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        }
        byte[] body = formBody == null ? new byte[0] : formBody.getBytes(StandardCharsets.UTF_8);
        var signed = AwsV4HttpSigner.create().sign(r -> {
            r.identity(AwsCredentialsIdentity.create(key.accessKeyId(), key.secretAccessKey())).request(http.build())
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC));
            if (formBody != null) {
                r.payload(ContentStreamProvider.fromByteArray(body));
            }
            if (presign) {
                r.putProperty(AwsV4HttpSigner.AUTH_LOCATION, AuthLocation.QUERY_STRING)
                        .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, Duration.ofMinutes(5));
            }
        });
        return asReceived(signed.request(), body);
    }

    static SignedRequest signRest(AccessKey key, String path, String query) {
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(SdkHttpMethod.GET)
                .uri(URI.create("http://127.0.0.1:8080" + path + "?" + query));
        var signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(key.accessKeyId(), key.secretAccessKey())).request(http.build())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ebs").putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC)));
        return asReceived(signed.request(), new byte[0]);
    }

    /** The request as the gateway's HTTP server would see it arrive. */
    private static SignedRequest asReceived(SdkHttpRequest request, byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        request.forEachHeader((name, values) -> headers.put(name.toLowerCase(), new ArrayList<>(values)));
        headers.putIfAbsent("host", List.of(request.host() + (request.port() == 80 ? "" : ":" + request.port())));
        return new SignedRequest(request.method().name(), request.encodedPath().isEmpty() ? "/" : request.encodedPath(),
                request.encodedQueryParameters().orElse(null), headers, body);
    }
}
