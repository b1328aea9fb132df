package dev.imageregistry.gateway.signature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    // --- EBS direct (rest-json, service scope ebs)

    static final byte[] BLOCK = block(524_288);
    static final String BLOCK_CHECKSUM = java.util.Base64.getEncoder().encodeToString(SignatureV4.sha256(BLOCK));
    static final String BLOCK_PATH = "/snapshots/snap-0123456789abcdef0/blocks/7";

    @Test
    void aBlockSentWithAnUnsignedPayloadIsAcceptedUnreadWhateverItsChecksum() {
        SignedRequest signed = signBlock(KEY, NOW, false, BLOCK_CHECKSUM);
        assertEquals("UNSIGNED-PAYLOAD", signed.header("x-amz-content-sha256"));
        SignedRequest streamed = streamed(signed);
        Caller caller = verifier.verifyFor("ebs", streamed, SignatureV4.claim(streamed), hex(SignatureV4.sha256(BLOCK)));
        assertEquals("111111111111", caller.account());
        assertEquals("ebs", caller.service());
        // The block is covered by its checksum alone, as in AWS: the snapshot-service checks it.
        verifier.verifyFor("ebs", streamed, SignatureV4.claim(streamed), null);
        // The checksum header is signed (the SDKs sign every x-amz-* header): another one is another request.
        SignedRequest altered = withHeader(streamed, "x-amz-checksum", java.util.Base64.getEncoder()
                .encodeToString(SignatureV4.sha256(new byte[524_288])));
        assertEbsRefused("InvalidSignatureException", 403, altered, null);
    }

    @Test
    void aBlockWithASignedBodyHashIsCheckedAgainstItsChecksumNotRead() {
        SignedRequest signed = signBlock(KEY, NOW, true, BLOCK_CHECKSUM);
        String declared = signed.header("x-amz-content-sha256");
        assertEquals(hex(SignatureV4.sha256(BLOCK)), declared);
        SignedRequest streamed = streamed(signed);
        // x-amz-Checksum vouches for the body (the snapshot-service checks the block against it before storing it).
        assertEquals("111111111111", verifier.verifyFor("ebs", streamed, SignatureV4.claim(streamed), declared).account());
        // A checksum that names another body than the one signed: refused before anything is sent on.
        assertEbsRefused("XAmzContentSHA256Mismatch", 400, streamed, hex(SignatureV4.sha256(new byte[524_288])));
        // Nothing vouching for the body: its signed hash cannot be checked, so it is not taken on trust.
        assertEbsRefused("XAmzContentSHA256Mismatch", 400, streamed, null);
    }

    @Test
    void aStartSnapshotBodyIsHashedAsRead() {
        byte[] json = "{\"VolumeSize\":8,\"ClientToken\":\"a2f7c9e0-1b3d-4e5f-8a9b-0c1d2e3f4a5b\",\"Timeout\":60}"
                .getBytes(StandardCharsets.UTF_8);
        SignedRequest signed = signEbs(KEY, SdkHttpMethod.POST, "http://127.0.0.1:8080/snapshots", Map.of("Content-Type",
                "application/json"), json, true, NOW, "ebs");
        assertEquals("111111111111", verifier.verifyFor("ebs", signed, SignatureV4.claim(signed), null).account());
        byte[] larger = new String(json, StandardCharsets.UTF_8).replace("8", "16").getBytes(StandardCharsets.UTF_8);
        assertEbsRefused("XAmzContentSHA256Mismatch", 400, new SignedRequest(signed.method(), signed.rawPath(),
                signed.rawQuery(), signed.headers(), larger), null);
        // botocore names no hash in a header (it hashes the body into the signature alone): another body, another signature.
        Map<String, List<String>> botocoreStyle = new LinkedHashMap<>(signed.headers());
        botocoreStyle.remove("x-amz-content-sha256");
        assertEbsRefused("InvalidSignatureException", 403, new SignedRequest(signed.method(), signed.rawPath(),
                signed.rawQuery(), botocoreStyle, larger), null);
    }

    @Test
    void ebsRefusesAWrongOrUnknownKeyAsAwsDoes() {
        AccessKey wrong = new AccessKey(KEY.accessKeyId(), KEY.secretAccessKey() + "x", KEY.account(), null);
        SignedRequest wrongSecret = streamed(signBlock(wrong, NOW, false, BLOCK_CHECKSUM));
        AwsError mismatch = assertEbsRefused("InvalidSignatureException", 403, wrongSecret, null);
        assertTrue(mismatch.getMessage().startsWith("The request signature we calculated does not match"), mismatch.getMessage());
        AccessKey stranger = new AccessKey("AKIAUNKNOWN000000000", KEY.secretAccessKey(), KEY.account(), null);
        assertEbsRefused("UnrecognizedClientException", 403, streamed(signBlock(stranger, NOW, false, BLOCK_CHECKSUM)), null);
    }

    @Test
    void ebsRefusesAStaleOrEarlyRequestWithAwssSignatureExpired() {
        AwsError expired = assertEbsRefused("InvalidSignatureException", 403,
                streamed(signBlock(KEY, NOW.minus(Duration.ofMinutes(16)), false, BLOCK_CHECKSUM)), null);
        // AWS's words: botocore and the aws CLI show them as they are.
        assertEquals("Signature expired: 20261203T124400Z is now earlier than 20261203T124500Z (20261203T130000Z - 15 min.)",
                expired.getMessage());
        AwsError early = assertEbsRefused("InvalidSignatureException", 403,
                streamed(signBlock(KEY, NOW.plus(Duration.ofMinutes(16)), false, BLOCK_CHECKSUM)), null);
        assertEquals("Signature not yet current: 20261203T131600Z is still later than 20261203T131500Z (20261203T130000Z"
                + " + 15 min.)", early.getMessage());
        verifier.verifyFor("ebs", streamed(signBlock(KEY, NOW.minus(Duration.ofMinutes(14)), false, BLOCK_CHECKSUM)),
                SignatureV4.claim(streamed(signBlock(KEY, NOW.minus(Duration.ofMinutes(14)), false, BLOCK_CHECKSUM))), null);
    }

    @Test
    void ebsRefusesAMissingUnreadableOrOtherServicesSignature() {
        SignedRequest signed = streamed(signBlock(KEY, NOW, false, BLOCK_CHECKSUM));
        Map<String, List<String>> none = new LinkedHashMap<>(signed.headers());
        none.remove("authorization");
        assertEbsRefused("MissingAuthenticationTokenException", 403, new SignedRequest(signed.method(), signed.rawPath(),
                null, none, null), null);
        assertEbsRefused("IncompleteSignatureException", 400, withHeader(signed, "authorization",
                "AWS4-HMAC-SHA256 Credential=x"), null);
        SignedRequest forEc2 = signEbs(KEY, SdkHttpMethod.GET, "http://127.0.0.1:8080" + BLOCK_PATH + "?blockToken=abc",
                Map.of(), null, true, NOW, "ec2");
        AwsError scope = assertEbsRefused("InvalidSignatureException", 403, forEc2, null);
        assertTrue(scope.getMessage().contains("'ebs'"), scope.getMessage());
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

    private AwsError assertEbsRefused(String code, int status, SignedRequest request, String streamedBodyHash) {
        AwsError error = assertThrows(AwsError.class,
                () -> verifier.verifyFor("ebs", request, SignatureV4.claim(request), streamedBodyHash));
        assertEquals(code, error.code(), error.getMessage());
        assertEquals(status, error.status());
        return error;
    }

    /** PutSnapshotBlock as an SDK signs it: over https with an unsigned payload, or with the body's hash signed. */
    static SignedRequest signBlock(AccessKey key, Instant at, boolean payloadSigning, String checksum) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-amz-Data-Length", "524288");
        headers.put("x-amz-Checksum", checksum);
        headers.put("x-amz-Checksum-Algorithm", "SHA256");
        headers.put("Content-Type", "application/octet-stream");
        return signEbs(key, SdkHttpMethod.PUT, (payloadSigning ? "http" : "https") + "://127.0.0.1:8080" + BLOCK_PATH,
                headers, BLOCK, payloadSigning, at, "ebs");
    }

    static SignedRequest signEbs(AccessKey key, SdkHttpMethod method, String uri, Map<String, String> headers, byte[] body,
            boolean payloadSigning, Instant at, String service) {
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(method).uri(URI.create(uri));
        headers.forEach(http::putHeader);
        var signed = AwsV4HttpSigner.create().sign(r -> {
            r.identity(AwsCredentialsIdentity.create(key.accessKeyId(), key.secretAccessKey())).request(http.build())
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, payloadSigning)
                    .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC));
            if (body != null) {
                r.payload(ContentStreamProvider.fromByteArray(body));
            }
        });
        return asReceived(signed.request(), body == null ? new byte[0] : body);
    }

    /** The request as the EBS route sees a block it passes on: its body not read. */
    private static SignedRequest streamed(SignedRequest request) {
        return new SignedRequest(request.method(), request.rawPath(), request.rawQuery(), request.headers(), null);
    }

    private static byte[] block(int size) {
        byte[] block = new byte[size];
        new java.util.Random(7).nextBytes(block);
        return block;
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
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
