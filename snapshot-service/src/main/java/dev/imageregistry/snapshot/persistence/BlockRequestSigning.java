package dev.imageregistry.snapshot.persistence;

import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import io.minio.Signer;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;

import dev.imageregistry.snapshot.domain.BlockChecksum;

/**
 * Header-signed SigV4 requests for block objects {@code blocks/<sha256 hex>} of one S3 endpoint. A PUT carries
 * {@code x-amz-content-sha256} = the block's SHA-256: S3 (MinIO, S3Proxy) recomputes the hash of the body it receives and refuses any other
 * bytes (XAmzContentSHA256Mismatch), so such a request can only ever store that block under its own name. Used for
 * the service's own writes ({@link BlockObjects}, internal endpoint) and for the requests handed to clients
 * ({@link BlockUploadRequests}, public endpoint).
 */
final class BlockRequestSigning {
    static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.US)
            .withZone(ZoneOffset.UTC);

    private final HttpUrl bucketUrl;
    private final String hostHeader;
    private final String region;
    private final String accessKey;
    private final String secretKey;

    BlockRequestSigning(String endpoint, String bucket, String region, String accessKey, String secretKey) {
        HttpUrl url = HttpUrl.get(endpoint);
        // Path style (<endpoint>/<bucket>/<key>), as the MinIO client uses for an endpoint given by address.
        this.bucketUrl = url.newBuilder().addPathSegment(bucket).build();
        String hostName = url.host().contains(":") ? "[" + url.host() + "]" : url.host();
        // What every HTTP client sends as Host for this URL: the port only when it is not the scheme's default.
        this.hostHeader = url.port() == HttpUrl.defaultPort(url.scheme()) ? hostName : hostName + ":" + url.port();
        this.region = region;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /** The signed PUT of the block, dated {@code at}; the body is not signed, its declared SHA-256 is. */
    Request put(BlockChecksum checksum, Instant at, RequestBody body) throws GeneralSecurityException {
        return signed(checksum, at, checksum.hex(), new Request.Builder().put(body));
    }

    /** The signed HEAD of the block's object (no payload: the SHA-256 of nothing). */
    Request head(BlockChecksum checksum, Instant at) throws GeneralSecurityException {
        return signed(checksum, at, EMPTY_SHA256, new Request.Builder().head());
    }

    private Request signed(BlockChecksum checksum, Instant at, String payloadSha256, Request.Builder method)
            throws GeneralSecurityException {
        Request unsigned = method
                .url(bucketUrl.newBuilder().addPathSegment("blocks").addPathSegment(checksum.hex()).build())
                .header("Host", hostHeader)
                .header("x-amz-date", AMZ_DATE.format(at))
                .header("x-amz-content-sha256", payloadSha256)
                .build();
        return Signer.signV4S3(unsigned, region, accessKey, secretKey, payloadSha256);
    }
}
