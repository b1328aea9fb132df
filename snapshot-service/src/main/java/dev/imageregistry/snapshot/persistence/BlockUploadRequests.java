package dev.imageregistry.snapshot.persistence;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import okhttp3.Request;
import okhttp3.RequestBody;

import dev.imageregistry.snapshot.domain.BlockChecksum;

/**
 * Signed S3 PUT requests of block objects, handed out only after the service has admitted the block into a
 * pending snapshot of the caller (direct uploads): the client then sends the block's bytes straight to the object
 * store instead of through the service, which would otherwise receive each block, hash it and send it on.
 *
 * <p>The signature is header-based SigV4 over the method, the key {@code blocks/<sha256 hex>}, the Host, the date
 * and {@code x-amz-content-sha256}, which is the block's SHA-256 as the client declared it. S3 (and MinIO, and the
 * S3Proxy of the tests) recomputes the SHA-256 of the body it receives and refuses a body that differs
 * (XAmzContentSHA256Mismatch): so the object named by a hash can only ever receive bytes with that hash, whoever
 * sends them, and a request can be used for nothing but that one object. S3 accepts the request within 15 minutes
 * of its x-amz-date (its clock-skew window), which bounds how long a handed-out request stays usable.
 *
 * <p>Signed for {@code imageregistry.blocks.public-endpoint} (default: quarkus.minio.host), the address clients
 * reach, as {@link BlockDownloadUrls}: the Host is signed, so it must be the one the client will send. Signing is
 * local (HMAC): no S3 round trip per block.
 */
@ApplicationScoped
public class BlockUploadRequests {
    /** How long S3 accepts a header-signed request after its x-amz-date (AWS and MinIO: 15 minutes). */
    public static final Duration S3_CLOCK_WINDOW = Duration.ofMinutes(15);
    private static final RequestBody NO_BODY = RequestBody.create(new byte[0]);

    private final BlockRequestSigning signing;

    /** What the client sends: a PUT of the block's 524288 bytes to url, with exactly these headers. */
    public record SignedPut(String url, Map<String, String> headers) {
    }

    public BlockUploadRequests(@ConfigProperty(name = "quarkus.minio.host") String host,
            @ConfigProperty(name = "imageregistry.blocks.public-endpoint") Optional<String> publicEndpoint,
            @ConfigProperty(name = "quarkus.minio.access-key") String accessKey,
            @ConfigProperty(name = "quarkus.minio.secret-key") String secretKey,
            @ConfigProperty(name = "quarkus.minio.region", defaultValue = "us-east-1") String region,
            @ConfigProperty(name = "imageregistry.blocks.bucket") String bucket) {
        this.signing = new BlockRequestSigning(publicEndpoint.filter(e -> !e.isBlank()).orElse(host), bucket, region,
                accessKey, secretKey);
    }

    /** When requests signed now stop being accepted by S3. */
    public Instant expiresAt(Instant signedAt) {
        return signedAt.plus(S3_CLOCK_WINDOW);
    }

    /**
     * The PUT of {@code blocks/<checksum hex>}. Host is signed but not returned: it is the URL's authority, which
     * every HTTP client sends as Host by itself (and many, like Java's, refuse to set it explicitly).
     */
    public SignedPut of(BlockChecksum checksum, Instant signedAt) {
        try {
            // The empty body here is never sent: the client sends the block, which S3 checks against the hash.
            Request signed = signing.put(checksum, signedAt, NO_BODY);
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Authorization", signed.header("Authorization"));
            headers.put("x-amz-date", signed.header("x-amz-date"));
            headers.put("x-amz-content-sha256", signed.header("x-amz-content-sha256"));
            return new SignedPut(signed.url().toString(), headers);
        } catch (java.security.GeneralSecurityException e) {
            // Signing is local; a failure here is a configuration error, not an S3 outage.
            throw new IllegalStateException("could not sign the PUT of " + checksum.objectKey(), e);
        }
    }
}
