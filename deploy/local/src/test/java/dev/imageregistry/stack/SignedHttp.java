package dev.imageregistry.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Requests without a body, signed with SigV4 by the AWS SDK's own signer and sent over HTTP/1.1: the EBS direct
 * calls the Java SDK has no module for here (service {@code ebs}, through the Region's AWS endpoint), and S3 calls
 * to the Region's S3 server (service {@code s3}), for which the SDK's S3 module is not in the mirror.
 */
final class SignedHttp {
    /** SHA-256 of no bytes: S3 wants the payload's hash in a header, and these requests have none. */
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String service;
    private final AwsCredentialsIdentity keys;

    SignedHttp(String service, AwsCredentialsIdentity keys) {
        this.service = service;
        this.keys = keys;
    }

    HttpResponse<String> send(String method, String uri, Map<String, String> headers) {
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method))
                .uri(URI.create(uri));
        headers.forEach(unsigned::putHeader);
        if (service.equals("s3")) {
            unsigned.putHeader("x-amz-content-sha256", EMPTY_SHA256);
        }
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(keys).request(unsigned.build())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                // S3 signs keys as they are (a key's '/' is no path segment to normalise or encode twice).
                .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, !service.equals("s3"))
                .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, !service.equals("s3"))).request();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.noBody());
        signed.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) { // the HTTP client sends the URI's own, which is what was signed
                values.forEach(value -> request.header(name, value));
            }
        });
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
