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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

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
 * Options: {@code -Dbenchmark.blocks.threads} [8], {@code .count} [1,600 blocks per phase], {@code .warmup} [3,000].
 *
 * <p>The gateway is its own process from its packaged jar, as deployed ({@link BlockBenchmarkRegion}): this JVM holds
 * the clients (and local-infra's broker), so the gateway's JIT, GC and event loops share nothing with them but the
 * machine's cores. Each phase also prints where the machine's CPU went, per block and per process (from /proc), and
 * with {@code -Dbenchmark.profile=true} the gateway phase is recorded by JFR in the gateway's process
 * ({@code target/gateway-blocks.jfr}) and summarised ({@link Profiler}).
 */
@EnabledIfSystemProperty(named = "benchmark.blocks", matches = "true")
class BlockBenchmark {
    private static final int THREADS = Integer.getInteger("benchmark.blocks.threads", 8);
    private static final int COUNT = Integer.getInteger("benchmark.blocks.count", 1_600);
    private static final int WARMUP = Integer.getInteger("benchmark.blocks.warmup", 3_000);
    private static final int BLOCK_SIZE = 524_288;
    private static final Pattern SNAPSHOT_ID = Pattern.compile("\"SnapshotId\"\\s*:\\s*\"(snap-[0-9a-f]+)\"");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final byte[] block = new byte[BLOCK_SIZE];
    private String checksum;
    private final List<String> report = new ArrayList<>();
    private static BlockBenchmarkRegion region;

    @BeforeAll
    static void startRegion() {
        region = BlockBenchmarkRegion.start();
    }

    @AfterAll
    static void stopRegion() {
        if (region != null) {
            region.close();
        }
    }

    @Test
    void putSnapshotBlockThroughTheGatewayAgainstStraightToTheSnapshotService() throws Exception {
        new Random(512).nextBytes(block);
        checksum = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(block));
        String direct = region.snapshotUrl();
        String token = region.token();
        String endpoint = region.gatewayUrl();
        line("PutSnapshotBlock, %d clients, %d blocks of 512 KiB per phase, %d warm-up blocks per path (%s), %s UTC, "
                + "load %.2f, %d cores", THREADS, COUNT, WARMUP, Runtime.version(),
                java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), Cpu.loadAverage(), Cpu.cores());

        run("warm-up gateway", new Path(endpoint, null), direct, token, WARMUP);
        run("warm-up direct", new Path(direct, token), direct, token, WARMUP);
        double first = run("direct", new Path(direct, token), direct, token, COUNT);
        double through = run("gateway", new Path(endpoint, null), direct, token, COUNT);
        double second = run("direct again", new Path(direct, token), direct, token, COUNT);
        double ratio = through / ((first + second) / 2);
        line("gateway / direct = %.3f (target >= 0.8): %s; load %.2f at the end", ratio, ratio >= 0.8 ? "met" : "NOT met",
                Cpu.loadAverage());
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
        boolean profiled = Profiler.ENABLED && phase.equals("gateway");
        if (profiled) {
            jcmd("JFR.start", "name=blocks", "settings=profile");
        }
        Usage before = Usage.now();
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
        Usage used = Usage.now().minus(before);
        pool.shutdown();
        double rate = blocks / seconds;
        line("%-16s %8.1f blocks/s %8.1f MB/s  (%d blocks in %.2f s, %d wrong)", phase, rate,
                rate * BLOCK_SIZE / 1e6, blocks, seconds, wrong.get());
        line("  CPU ms per block: machine %.2f = gateway %.2f (JIT %.2f, GC %.2f) + snapshot-service %.2f (JIT %.2f) + "
                + "test JVM %.2f (JIT %.2f) + PostgreSQL %.2f + other %.2f", used.machine / 1e6 / blocks,
                used.gateway / 1e6 / blocks, used.gatewayJit / 1e6 / blocks, used.gatewayGc / 1e6 / blocks,
                used.snapshot / 1e6 / blocks, used.snapshotJit / 1e6 / blocks, used.test / 1e6 / blocks,
                used.testJit / 1e6 / blocks, used.postgres / 1e6 / blocks, used.other() / 1e6 / blocks);
        if (profiled) {
            java.nio.file.Path file = java.nio.file.Path.of("target", "gateway-blocks.jfr").toAbsolutePath();
            jcmd("JFR.stop", "name=blocks", "filename=" + file);
            Profiler.summarise("the gateway phase", file, text -> line("%s", text));
        }
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

    /**
     * CPU used so far, in nanoseconds: the machine's busy time, the gateway's and snapshot-service's processes (their
     * JIT compilers and GC apart), this JVM (clients and broker; its JIT apart) and PostgreSQL; "other" is the rest
     * (the S3 server, the kernel's own work, and whatever else runs on the machine).
     */
    private record Usage(long machine, long gateway, long gatewayJit, long gatewayGc, long snapshot, long snapshotJit,
            long test, long testJit, long postgres) {
        static Usage now() {
            long self = ProcessHandle.current().pid();
            return new Usage(Cpu.machineBusyNanos(), Cpu.processNanos(region.gatewayPid()),
                    Cpu.threadNanos(region.gatewayPid(), Cpu::isJitThread),
                    Cpu.threadNanos(region.gatewayPid(), Cpu::isGcOrVmThread),
                    Cpu.processNanos(region.snapshotServicePid()),
                    Cpu.threadNanos(region.snapshotServicePid(), Cpu::isJitThread), Cpu.processNanos(self),
                    Cpu.threadNanos(self, Cpu::isJitThread), Cpu.postgresNanos(region.postgresPidFile()));
        }

        Usage minus(Usage before) {
            return new Usage(machine - before.machine, gateway - before.gateway, gatewayJit - before.gatewayJit,
                    gatewayGc - before.gatewayGc, snapshot - before.snapshot, snapshotJit - before.snapshotJit,
                    test - before.test, testJit - before.testJit, postgres - before.postgres);
        }

        long other() {
            return Math.max(0, machine - gateway - snapshot - test - postgres);
        }
    }

    /** A diagnostic command to the gateway's process (JFR.start, JFR.stop). */
    private static void jcmd(String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd")
                .toString(), String.valueOf(region.gatewayPid())));
        line.addAll(List.of(command));
        Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (jcmd.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", line) + ": " + out);
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
