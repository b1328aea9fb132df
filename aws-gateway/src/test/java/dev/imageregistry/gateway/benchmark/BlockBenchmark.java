package dev.imageregistry.gateway.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The target for EBS direct: PutSnapshotBlock through the Region's AWS endpoint reaches at least 0.8 of
 * PutSnapshotBlock sent straight to the snapshot-service, in the same run with the same concurrency. Not part of the
 * test run ({@code -Dbenchmark.blocks=true}); it asserts nothing and prints the ratio beside the target.
 *
 * <p>The same closed-loop client threads for both paths, each putting 512 KiB blocks of random data (the same bytes
 * every time; the snapshot-service hashes and stores each all the same) into a snapshot of its own, one block index
 * after the other, over HTTP/1.1 keep-alive. Direct: the EBS wire with the account's bearer token. Gateway: the same
 * request signed by the AWS SDK's own signer inside the measured time, with {@code UNSIGNED-PAYLOAD} as botocore and
 * the aws CLI sign it. Every answer must be 201 with the block's checksum; anything else is counted and printed.
 * Phases: warm-up of both paths, then direct, gateway, direct again (the gateway against the mean of the two).
 * Options: {@code -Dbenchmark.blocks.threads} [8], {@code .count} [800 blocks per phase], {@code .warmup} [800].
 */
@QuarkusTest
@WithTestResource(BlockBenchmarkRegion.class)
@EnabledIfSystemProperty(named = "benchmark.blocks", matches = "true")
class BlockBenchmark {
    private static final int THREADS = Integer.getInteger("benchmark.blocks.threads", 8);
    private static final int COUNT = Integer.getInteger("benchmark.blocks.count", 800);
    private static final int WARMUP = Integer.getInteger("benchmark.blocks.warmup", 800);
    private static final int BLOCK_SIZE = 524_288;
    private static final Pattern SNAPSHOT_ID = Pattern.compile("\"SnapshotId\"\\s*:\\s*\"(snap-[0-9a-f]+)\"");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final byte[] block = new byte[BLOCK_SIZE];
    private String checksum;
    private final List<String> report = new ArrayList<>();

    @TestHTTPResource("/")
    URI gateway;

    @Test
    void putSnapshotBlockThroughTheGatewayAgainstStraightToTheSnapshotService() throws Exception {
        new Random(512).nextBytes(block);
        checksum = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(block));
        String direct = ConfigProvider.getConfig().getValue("benchmark.snapshot-url", String.class);
        String token = ConfigProvider.getConfig().getValue("benchmark.token", String.class);
        String endpoint = "http://127.0.0.1:" + gateway.getPort();
        line("PutSnapshotBlock, %d clients, %d blocks of 512 KiB per phase (%s)", THREADS, COUNT, Runtime.version());

        run("warm-up gateway", new Path(endpoint, null), direct, token, WARMUP);
        run("warm-up direct", new Path(direct, token), direct, token, WARMUP);
        double first = run("direct", new Path(direct, token), direct, token, COUNT);
        double through = run("gateway", new Path(endpoint, null), direct, token, COUNT);
        double second = run("direct again", new Path(direct, token), direct, token, COUNT);
        double ratio = through / ((first + second) / 2);
        line("gateway / direct = %.3f (target >= 0.8): %s", ratio, ratio >= 0.8 ? "met" : "NOT met");
        Files.write(java.nio.file.Path.of("target", "benchmark-blocks.txt"), report, StandardCharsets.UTF_8);
    }

    /** Where blocks go: the gateway (signed) or the snapshot-service (with the bearer token). */
    private record Path(String base, String bearer) {
    }

    /** One phase; its blocks per second. Each client starts its own snapshot (straight at the snapshot-service). */
    private double run(String phase, Path path, String direct, String token, int blocks) throws Exception {
        List<String> snapshots = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            snapshots.add(startSnapshot(direct, token));
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long start = System.nanoTime();
        List<Future<?>> clients = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            String snapshot = snapshots.get(t);
            clients.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < blocks; i = next.getAndIncrement()) {
                    HttpResponse<String> answer = put(path, snapshot, i);
                    if (answer.statusCode() != 201 || !checksum.equals(answer.headers().firstValue("x-amz-Checksum")
                            .orElse(null))) {
                        if (wrong.getAndIncrement() < 3) {
                            line("  %s: unexpected answer %d %s %s", phase, answer.statusCode(), answer.headers().map(),
                                    answer.body());
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> done : clients) {
            done.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        double rate = blocks / seconds;
        line("%-16s %8.1f blocks/s %8.1f MB/s  (%d blocks in %.2f s, %d wrong)", phase, rate,
                rate * BLOCK_SIZE / 1e6, blocks, seconds, wrong.get());
        return rate;
    }

    private HttpResponse<String> put(Path path, String snapshot, int index) {
        String uri = path.base() + "/snapshots/" + snapshot + "/blocks/" + index;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(60))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(block));
        if (path.bearer() != null) {
            request.header("Authorization", "Bearer " + path.bearer()).header("x-amz-Data-Length", "524288")
                    .header("x-amz-Checksum", checksum).header("x-amz-Checksum-Algorithm", "SHA256");
        } else {
            // Signed as botocore signs it (v4-unsigned-body): the block is covered by its signed checksum.
            SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.PUT)
                    .uri(URI.create(uri.replaceFirst("^http:", "https:"))).putHeader("x-amz-Data-Length", "524288")
                    .putHeader("x-amz-Checksum", checksum).putHeader("x-amz-Checksum-Algorithm", "SHA256").build();
            SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                    .identity(AwsCredentialsIdentity.create(BlockBenchmarkRegion.ACCESS_KEY_ID, BlockBenchmarkRegion.SECRET))
                    .request(unsigned).putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ebs")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)).request();
            signed.forEachHeader((name, values) -> {
                if (!name.equalsIgnoreCase("Host")) {
                    values.forEach(value -> request.header(name, value));
                }
            });
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String startSnapshot(String direct, String token) throws Exception {
        String body = "{\"VolumeSize\":64,\"ClientToken\":\"" + UUID.randomUUID() + "\",\"Timeout\":60}";
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(direct + "/snapshots"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher id = SNAPSHOT_ID.matcher(answer.body());
        if (answer.statusCode() != 201 || !id.find()) {
            throw new IllegalStateException("StartSnapshot answered " + answer.statusCode() + " " + answer.body());
        }
        return id.group(1);
    }

    private synchronized void line(String format, Object... args) {
        String text = String.format(Locale.ROOT, format, args);
        System.out.println("[benchmark] " + text);
        report.add(text);
    }
}
