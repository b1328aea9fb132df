package dev.imageregistry.snapshot.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.blockstore.BlockHttp;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.RemoveObjectArgs;
import io.minio.Signer;
import io.minio.errors.ErrorResponseException;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The block objects in the Region's bucket. Its own MinIO client (same quarkus.minio.* settings as the
 * extension's) over block-store's tuned HTTP client ({@link BlockHttp}): the extension's default OkHttp client
 * leaves Nagle on and allows only 5 requests per host, which halves block throughput (NOTES.md).
 *
 * <p>Block PUTs do not go through {@code MinioClient.putObject}: over http it copies the body into buffers that
 * grow while it reads the stream (about 3 copies of each block), hashes it again with SHA-256 to sign the
 * payload, and hands the request through the common pool and OkHttp's dispatcher threads. A block's SHA-256 is
 * already known (it names the object, and the service verified it), and SigV4 signs exactly that value
 * ({@code x-amz-content-sha256}), so {@link #put} signs it with the MinIO client's own {@link Signer} and sends the
 * block's array as it is, on the calling thread. The payload stays signed: the S3 server recomputes the hash of
 * what it received and refuses a body that differs (XAmzContentSHA256Mismatch), so an object named
 * {@code blocks/<sha256>} can only ever hold those bytes.
 */
@ApplicationScoped
public class BlockObjects {
    private static final Logger LOG = Logger.getLogger(BlockObjects.class);
    private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

    private final MinioClient s3;
    private final OkHttpClient http;
    private final String bucket;
    private final BlockRequestSigning signing;
    private final Counter corrupt;

    public BlockObjects(@ConfigProperty(name = "quarkus.minio.host") String host,
            @ConfigProperty(name = "quarkus.minio.access-key") String accessKey,
            @ConfigProperty(name = "quarkus.minio.secret-key") String secretKey,
            @ConfigProperty(name = "quarkus.minio.region", defaultValue = "us-east-1") String region,
            @ConfigProperty(name = "imageregistry.blocks.bucket") String bucket,
            @ConfigProperty(name = "imageregistry.blocks.s3-max-requests", defaultValue = "64") int maxRequests,
            MeterRegistry metrics) {
        this.corrupt = Counter.builder("imageregistry.blocks.corrupt").description("Block objects read from the "
                + "bucket whose bytes do not have the SHA-256 that names them (not served)").register(metrics);
        // s3-max-requests (64) in flight, all to the one S3 endpoint; connect 5 s, read and write 30 s.
        this.http = BlockHttp.tuned(maxRequests, maxRequests, Duration.ofSeconds(5), Duration.ofSeconds(30));
        this.s3 = BlockHttp.s3(host, accessKey, secretKey, region, http);
        this.bucket = bucket;
        this.signing = new BlockRequestSigning(host, bucket, region, accessKey, secretKey);
    }

    /**
     * Stores one block under {@code blocks/<sha256 hex>}. {@code checksum} must be the SHA-256 of {@code data}
     * (the caller verified it): it is what the request is signed with, and the S3 server checks the body against
     * it. The array is only read, and not after this returns.
     */
    public void put(BlockChecksum checksum, byte[] data) {
        Request request;
        try {
            // Accept-Encoding is not a signed header (the MinIO signer leaves it out); without it OkHttp asks for gzip.
            request = signing.put(checksum, Instant.now(), RequestBody.create(data, OCTET_STREAM)).newBuilder()
                    .header("Accept-Encoding", "identity").build();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("could not sign the PUT of " + checksum.objectKey(), e);
        }
        try (Response response = http.newCall(request).execute()) {
            if (!response.isSuccessful()) {
                String error = response.body().string();
                String code = error.matches("(?s).*<Code>[^<]*</Code>.*")
                        ? error.replaceAll("(?s).*<Code>([^<]*)</Code>.*", " $1") : "";
                LOG.warnf("PUT %s refused by S3: HTTP %d%s", checksum.objectKey(), response.code(), code);
                // Nothing was stored, and nothing references the block yet: the client may retry.
                throw new Ec2Exception(503, "ServiceUnavailable", "The block store refused the block (HTTP "
                        + response.code() + code + "); retry the request.");
            }
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    /**
     * Which of these blocks are in the bucket as whole blocks (a HEAD each, all in flight at once on the client's
     * dispatcher: a batch of direct uploads is checked in about one round trip, not one per block). A key that
     * exists with another size is reported missing. An S3 failure (other than 404) is {@link #unavailable}.
     */
    public java.util.Set<String> present(java.util.Collection<BlockChecksum> checksums) {
        java.util.Map<String, java.util.concurrent.CompletableFuture<Boolean>> heads = new java.util.LinkedHashMap<>();
        for (BlockChecksum checksum : checksums) {
            if (heads.containsKey(checksum.hex())) {
                continue;
            }
            java.util.concurrent.CompletableFuture<Boolean> found = new java.util.concurrent.CompletableFuture<>();
            heads.put(checksum.hex(), found);
            try {
                http.newCall(signing.head(checksum, Instant.now()))
                        .enqueue(new okhttp3.Callback() {
                            @Override
                            public void onFailure(okhttp3.Call call, IOException e) {
                                found.completeExceptionally(e);
                            }

                            @Override
                            public void onResponse(okhttp3.Call call, Response response) {
                                try (response) {
                                    if (response.code() == 404) {
                                        found.complete(false);
                                    } else if (response.isSuccessful()) {
                                        found.complete(String.valueOf(BlockChecksum.BLOCK_SIZE)
                                                .equals(response.header("Content-Length")));
                                    } else {
                                        found.completeExceptionally(new IOException("HEAD " + checksum.objectKey()
                                                + ": HTTP " + response.code()));
                                    }
                                }
                            }
                        });
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("could not sign a HEAD", e);
            }
        }
        java.util.Set<String> present = new java.util.HashSet<>();
        for (var head : heads.entrySet()) {
            try {
                if (head.getValue().get(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    present.add(head.getKey());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw unavailable(e);
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warnf("HEAD of a block failed: %s", e.getCause().toString());
                throw unavailable(e.getCause() instanceof Exception cause ? cause : e);
            } catch (java.util.concurrent.TimeoutException e) {
                throw unavailable(e);
            }
        }
        return present;
    }

    public byte[] get(BlockChecksum checksum) {
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(checksum.objectKey()).build())) {
            // Sized for a block: readAllBytes would grow and copy its buffer several times per block.
            byte[] data = new byte[BlockChecksum.BLOCK_SIZE];
            int n = in.readNBytes(data, 0, data.length);
            if (n != data.length || in.read() != -1) {
                throw new IllegalStateException("object " + checksum.objectKey() + " is not one block");
            }
            verify(checksum, data);
            return data;
        } catch (Ec2Exception e) {
            throw e;
        } catch (Exception e) {
            throw unavailable(e);
        }
    }

    /**
     * An object's bytes must have the SHA-256 that names it: a disk or an operator may have changed them since they
     * were stored. Bad data is never served as good (a client that does not check x-amz-Checksum would take it):
     * the read fails, the counter and the log say which object, and nothing else changes.
     */
    private void verify(BlockChecksum checksum, byte[] data) {
        if (!BlockChecksum.of(data).matches(checksum)) {
            corrupt.increment();
            LOG.errorf("block object %s does not have the SHA-256 that names it: corrupted in the bucket, not served",
                    checksum.objectKey());
            throw new Ec2Exception(500, "InternalError", "The stored data of this block failed its SHA-256 check "
                    + "and is not served; the operator has been told (imageregistry_blocks_corrupt_total).");
        }
    }

    /** Deletes an object; an object already gone counts as deleted. */
    public void remove(String checksumHex) {
        try {
            s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object("blocks/" + checksumHex).build());
        } catch (ErrorResponseException e) {
            if (!"NoSuchKey".equals(e.errorResponse().code())) {
                throw unavailable(e);
            }
        } catch (Exception e) {
            throw unavailable(e);
        }
    }

    /** S3 failures are the caller's to retry: nothing was referenced yet. */
    static Ec2Exception unavailable(Exception e) {
        return new Ec2Exception(503, "ServiceUnavailable",
                "The block store is unavailable (" + e.getClass().getSimpleName() + "); retry the request.");
    }

    @PreDestroy
    void close() {
        BlockHttp.close(http);
    }
}
