package dev.imageregistry.replicator.regions;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;

/**
 * Brings one content-addressed block from a source Region's bucket to this Region's, unless this Region already
 * holds it (the key is the content's SHA-256, so holding the key is holding the content). What arrives is
 * verified against its SHA-256 before it is stored: a tampered block never enters the destination.
 */
@ApplicationScoped
public class BlockTransfer {
    private final String sourceBucket;
    private final String destinationBucket;
    private final Counter copiedBlocks;
    private final Counter skippedBlocks;
    private final Counter bytesIn;

    public BlockTransfer(@ConfigProperty(name = "imageregistry.replicator.source-bucket") String sourceBucket,
            @ConfigProperty(name = "imageregistry.blocks.bucket") String destinationBucket, MeterRegistry metrics) {
        this.sourceBucket = sourceBucket;
        this.destinationBucket = destinationBucket;
        this.copiedBlocks = metrics.counter("imageregistry.copy.blocks", "result", "copied");
        this.skippedBlocks = metrics.counter("imageregistry.copy.blocks", "result", "skipped");
        this.bytesIn = metrics.counter("imageregistry.copy.bytes.moved");
    }

    /** The outcome for one block: moved (with its size) or already present. */
    public record Moved(String checksum, long bytes) {
        public boolean skipped() {
            return bytes == 0;
        }
    }

    /** The bytes that arrived are not the block they claim to be. */
    public static final class CorruptBlock extends RuntimeException {
        public CorruptBlock(String checksum) {
            super("block " + checksum + " read from the source Region does not match its SHA-256", null, false, false);
        }
    }

    public Moved bring(String checksumBase64, MinioClient source, MinioClient destination) throws Exception {
        byte[] expected = Base64.getDecoder().decode(checksumBase64);
        String key = "blocks/" + HexFormat.of().formatHex(expected);
        if (exists(destination, key)) {
            skippedBlocks.increment();
            return new Moved(checksumBase64, 0);
        }
        byte[] data;
        try (InputStream in = source.getObject(GetObjectArgs.builder().bucket(sourceBucket).object(key).build())) {
            data = in.readAllBytes();
        }
        if (!MessageDigest.isEqual(expected, sha256(data))) {
            throw new CorruptBlock(checksumBase64);
        }
        destination.putObject(PutObjectArgs.builder().bucket(destinationBucket).object(key)
                .stream(new ByteArrayInputStream(data), data.length, -1).contentType("application/octet-stream").build());
        copiedBlocks.increment();
        bytesIn.increment(data.length);
        return new Moved(checksumBase64, data.length);
    }

    private boolean exists(MinioClient destination, String key) throws Exception {
        try {
            destination.statObject(StatObjectArgs.builder().bucket(destinationBucket).object(key).build());
            return true;
        } catch (ErrorResponseException e) {
            if ("NoSuchKey".equals(e.errorResponse().code()) || "NotFound".equals(e.errorResponse().code())
                    || e.response().code() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
