package dev.imageregistry.snapshot.persistence;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MinioClient;
import io.minio.http.Method;

import dev.imageregistry.snapshot.domain.BlockChecksum;

/**
 * Presigned S3 GET URLs of block objects, handed out only after the service has decided the caller may read the
 * snapshot: the client then reads the bytes straight from the object store instead of through the service (each
 * block through the service costs it a token check, a query, its own S3 GET and the answer).
 *
 * <p>A URL is a bearer capability for exactly one content-addressed object (the signature covers the key) until it
 * expires. Signing is local (HMAC with the configured credentials and region): no S3 round trip per URL. The URLs
 * name {@code imageregistry.blocks.public-endpoint}, because the address the service uses for S3 (an in-cluster
 * MinIO service) may not be one clients can reach; the signature covers the host, so it must be the address
 * clients use.
 */
@ApplicationScoped
public class BlockDownloadUrls {
    private final MinioClient signer;
    private final String bucket;
    private final Duration expiry;

    public BlockDownloadUrls(@ConfigProperty(name = "quarkus.minio.host") String host,
            @ConfigProperty(name = "imageregistry.blocks.public-endpoint") Optional<String> publicEndpoint,
            @ConfigProperty(name = "quarkus.minio.access-key") String accessKey,
            @ConfigProperty(name = "quarkus.minio.secret-key") String secretKey,
            @ConfigProperty(name = "quarkus.minio.region", defaultValue = "us-east-1") String region,
            @ConfigProperty(name = "imageregistry.blocks.bucket") String bucket,
            @ConfigProperty(name = "imageregistry.blocks.download-url-expiry", defaultValue = "PT5M") Duration expiry) {
        if (expiry.compareTo(Duration.ofSeconds(1)) < 0 || expiry.compareTo(Duration.ofDays(7)) > 0) {
            // S3's own bounds for a SigV4 presigned URL.
            throw new IllegalArgumentException("imageregistry.blocks.download-url-expiry must be 1 s to 7 days");
        }
        // The region is given, so signing never asks the server for the bucket's location.
        this.signer = MinioClient.builder().endpoint(publicEndpoint.filter(e -> !e.isBlank()).orElse(host))
                .credentials(accessKey, secretKey).region(region).build();
        this.bucket = bucket;
        this.expiry = expiry;
    }

    public Duration expiry() {
        return expiry;
    }

    /** When URLs signed now stop working. */
    public Instant expiresAt() {
        return Instant.now().plus(expiry);
    }

    public String of(BlockChecksum checksum) {
        try {
            return signer.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.GET).bucket(bucket)
                    .object(checksum.objectKey()).expiry((int) expiry.toSeconds(), TimeUnit.SECONDS).build());
        } catch (Exception e) {
            // Signing is local; a failure here is a configuration error, not an S3 outage.
            throw new IllegalStateException("could not presign " + checksum.objectKey(), e);
        }
    }
}
