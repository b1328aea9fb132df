package dev.imageregistry.gateway.benchmark;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.gateway.signature.AccessKey;
import dev.imageregistry.gateway.signature.SignatureV4;
import dev.imageregistry.gateway.signature.SignedRequest;
import dev.imageregistry.infra.testing.TopicTap;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The gateway's benchmark (not a timed test: it asserts nothing and is skipped unless asked for):
 *
 * <pre>./mvnw -B -q -o test -pl aws-gateway -Dtest=GatewayBenchmark -Dbenchmark=true</pre>
 *
 * DescribeImages and RegisterImage through the gateway (EC2 Query, SigV4-signed by the AWS SDK's own signer) against
 * the registry-service called directly on its JSON API (bearer token), in the same run, by the same closed-loop
 * blocking HTTP/1.1 clients: requests/s, p50/p90/p99, and the CPU each process used per request. The gateway is this
 * module's application (the {@code @QuarkusTest}, in this JVM); the registry runs as its own process from its packaged
 * jar on a real broker and PostgreSQL ({@link BenchmarkRegion}). Raw baselines in the same run: the SDK's signing alone,
 * the gateway's verification alone, and an HTTP round trip to each server's health endpoint. Every phase runs after a
 * warm-up of both paths on other data; the direct path is measured before and after the gateway, to show drift.
 * Figures go to stdout and target/benchmark.txt. Sizes (system properties): benchmark.images, benchmark.describes,
 * benchmark.registrations, benchmark.threads, benchmark.warmup (.rounds, .seconds, .jit), benchmark.single,
 * benchmark.signs; benchmark.pin=0/1 gives the registry and PostgreSQL one set of CPUs and the gateway's JVM another;
 * with benchmark.profile=true each measured gateway phase is also recorded with JFR ({@link Profiler}).
 */
@QuarkusTest
@WithTestResource(BenchmarkRegion.class)
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class GatewayBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Images in the catalogue before DescribeImages is measured. */
    private static final int IMAGES = Integer.getInteger("benchmark.images", 4_000);
    /** DescribeImages per measured closed-loop phase (each of direct, gateway, direct). */
    private static final int DESCRIBES = Integer.getInteger("benchmark.describes", 4_000);
    /** RegisterImage per measured closed-loop phase (each of direct, gateway, direct). */
    private static final int REGISTRATIONS = Integer.getInteger("benchmark.registrations", 1_000);
    /** Closed-loop client threads, the same for both paths. */
    private static final int THREADS = Integer.getInteger("benchmark.threads", 8);
    /** Unmeasured operations per path before each action's phases (on other images, other names). */
    private static final int WARMUP = Integer.getInteger("benchmark.warmup", 2_000);
    /** Most warm-up rounds per path and action, and the JIT compilers' CPU (in cores) that ends the warm-up. */
    private static final int WARMUP_ROUNDS = Integer.getInteger("benchmark.warmup.rounds", 20);
    private static final double JIT_SETTLED = Double.parseDouble(System.getProperty("benchmark.warmup.jit", "0.15"));
    private static final int WARMUP_SECONDS = Integer.getInteger("benchmark.warmup.seconds", 90);
    /** Operations per path of the one-client phases (latency without queueing). */
    private static final int SINGLE = Integer.getInteger("benchmark.single", 300);
    /**
     * {@code <server CPUs>/<gateway CPUs>}, e.g. {@code 0/1}: the registry and PostgreSQL pinned to the first set, this
     * JVM (gateway, clients, broker) to the second (taskset), as if the gateway had cores of its own as in a cluster.
     * Unset: everything shares every core.
     */
    private static final String PIN = System.getProperty("benchmark.pin", "");
    /** Iterations of the raw signing and verification loops. */
    private static final int SIGNS = Integer.getInteger("benchmark.signs", 10_000);

    @TestHTTPResource("/")
    URI gatewayUrl;
    @ConfigProperty(name = "benchmark.registry-url")
    String registryUrl;
    @ConfigProperty(name = "benchmark.registry-pid")
    long registryPid;
    @ConfigProperty(name = "benchmark.kafka")
    String kafka;
    @ConfigProperty(name = "benchmark.postgres-pid-file")
    String postgresPidFile;
    @ConfigProperty(name = "benchmark.token")
    String token;
    @ConfigProperty(name = "benchmark.access-key-id")
    String accessKeyId;
    @ConfigProperty(name = "benchmark.secret-access-key")
    String secretAccessKey;

    private final List<String> report = new ArrayList<>();
    private final String run = hex(6);
    private Cpu cpu;
    private Clients.Direct direct;
    private Clients.Gateway gateway;
    private List<String> snapshots;

    @Test
    void benchmark() throws Exception {
        long began = System.nanoTime();
        cpu = new Cpu(registryPid, Path.of(postgresPidFile));
        direct = new Clients.Direct(registryUrl, token);
        gateway = new Clients.Gateway(URI.create("http://127.0.0.1:" + gatewayUrl.getPort() + "/"), accessKeyId,
                secretAccessKey);
        line("aws-gateway benchmark, %s: %d closed-loop clients per path, catalogue of %d images, %d DescribeImages and "
                + "%d RegisterImage per measured phase, warm-up rounds of %d operations per path (RegisterImage %d) until "
                + "the JIT settles (at most %d rounds or %d s), %d per one-client phase; %d cores, load average %s",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), THREADS, IMAGES, DESCRIBES, REGISTRATIONS, WARMUP,
                WARMUP / 2, WARMUP_ROUNDS, WARMUP_SECONDS, SINGLE, Cpu.cores(), loadAverages());
        line("registry-service pid %d at %s (its own JVM: %s); gateway in this JVM at %s", registryPid, registryUrl,
                System.getProperty("benchmark.registry.jvm", "-Xmx512m"), gateway.endpoint());

        if (!PIN.isBlank()) {
            pin();
        }
        snapshots = completedSnapshots(THREADS);
        List<String> catalogue = seed(snapshots);
        sameAnswer(catalogue.get(0));

        idle();
        signingBaseline();
        verificationBaseline();
        httpFloor();

        describes(catalogue);
        registrations();

        line("done in %.0f s; load average %s", (System.nanoTime() - began) / 1e9, loadAverages());
        Files.write(Path.of("target", "benchmark.txt"), report);
    }

    // ---------------------------------------------------------------- setup

    private void pin() throws Exception {
        String[] sets = PIN.split("/");
        long postmaster = Long.parseLong(Files.readAllLines(Path.of(postgresPidFile)).get(0).trim());
        List<Long> servers = new ArrayList<>(List.of(registryPid, postmaster));
        ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(child -> servers.add(child.pid())));
        for (long pid : servers) {
            taskset(sets[0], pid); // PostgreSQL's backends forked later inherit the postmaster's
        }
        taskset(sets[1], ProcessHandle.current().pid());
        line("pinned: registry-service and PostgreSQL (%d processes) to CPUs %s, this JVM (gateway, clients, Kafka broker) "
                + "to CPUs %s", servers.size(), sets[0], sets[1]);
    }

    private static void taskset(String cpus, long pid) throws Exception {
        Process taskset = new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, String.valueOf(pid))
                .redirectErrorStream(true).start();
        String out = new String(taskset.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (taskset.waitFor() != 0) {
            throw new IllegalStateException("taskset -a -p -c " + cpus + " " + pid + " failed: " + out);
        }
    }

    /**
     * Snapshots the registry accepts in a mapping: announced on snapshot-events as the snapshot-service announces a
     * completed one, then awaited until a registration with each is accepted.
     */
    private List<String> completedSnapshots(int count) {
        List<String> snapshots = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String snapshotId = "snap-" + hex(17);
            TopicTap.publish(kafka, "snapshot-events", snapshotId, snapshotCompleted(snapshotId, BenchmarkRegion.ACCOUNT));
            snapshots.add(snapshotId);
        }
        long started = System.nanoTime();
        for (String snapshotId : snapshots) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> direct.registerAnswer("probe-" + run + "-" + snapshotId, snapshotId).status() == 200);
        }
        line("%d snapshots announced on snapshot-events (SnapshotCompleted) and accepted by the registry in %.1f s", count,
                (System.nanoTime() - started) / 1e9);
        return snapshots;
    }

    /** The envelope and payload of docs/events (CloudEvents, SnapshotCompleted), as the snapshot-service writes them. */
    static String snapshotCompleted(String snapshotId, String owner) {
        String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        ObjectNode event = JSON.createObjectNode().put("specversion", "1.0").put("id", uuid7().toString())
                .put("source", "/regions/" + BenchmarkRegion.REGION + "/snapshot-service").put("type", "SnapshotCompleted")
                .put("subject", snapshotId).put("time", now).put("datacontenttype", "application/json")
                .put("region", BenchmarkRegion.REGION).put("aggregateversion", 3).put("schemaversion", 1);
        event.putObject("data").put("snapshotId", snapshotId).put("ownerId", owner).put("volumeSize", 8)
                .put("blockCount", 3).put("aggregateChecksum", sha256Base64(snapshotId)).put("checksumAlgorithm", "SHA256")
                .put("completionTime", now);
        return event.toString();
    }

    /** The catalogue DescribeImages reads: half registered directly, half through the gateway (setup). */
    private List<String> seed(List<String> snapshots) throws Exception {
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        // Every other image through the gateway: the seeding is also the first warm-up of both paths' registrations.
        Phase seeding = closedLoop("seed", IMAGES, THREADS, i -> ids.add((i % 2 == 0 ? gateway : direct)
                .register("seed-" + run + "-" + i, snapshots.get(i % snapshots.size()))));
        line("seeded %d images, half directly and half through the gateway, in %.1f s (%.0f/s, cold, not a measurement)",
                ids.size(), seeding.elapsed / 1e9, seeding.rate());
        List<String> shuffled = new ArrayList<>(ids);
        Collections.shuffle(shuffled, new Random(42));
        return shuffled;
    }

    /** Both paths answer the same image (and the gateway's answer is EC2's XML), before anything is timed. */
    private void sameAnswer(String imageId) throws Exception {
        direct.describe(imageId);
        gateway.describe(imageId);
    }

    // ---------------------------------------------------------------- baselines

    /** What the processes use with no request at all (consumers polling, the outbox relay, timers): the floor. */
    private void idle() throws InterruptedException {
        Cpu.Snapshot before = cpu.snapshot();
        Thread.sleep(3_000);
        Cpu.Usage u = Cpu.between(before, cpu.snapshot(), 0);
        line("idle for 3 s: test JVM %.2f cores (gateway threads %.2f, JIT %.2f), registry %.2f (JIT %.2f), PostgreSQL "
                + "%.2f, other processes %.2f", u.cores(u.testJvm()), u.cores(u.gateway()), u.cores(u.testJit()),
                u.cores(u.registry()), u.cores(u.registryJit()), u.cores(u.postgres()), u.cores(u.others()));
    }

    /** The client's own work on the gateway path: the AWS SDK's SigV4 signature of each request, alone. */
    private void signingBaseline() {
        byte[] describe = Clients.Gateway.describeForm("ami-0123456789abcdef0").getBytes(StandardCharsets.UTF_8);
        byte[] register = Clients.Gateway.registerForm("bench-name-000000", "snap-0123456789abcdef0")
                .getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < SIGNS; i++) {
            gateway.sign(i % 2 == 0 ? describe : register);
        }
        double describeMicros = micros(SIGNS, () -> gateway.sign(describe));
        double registerMicros = micros(SIGNS, () -> gateway.sign(register));
        line("baseline: SigV4 signing by the AWS SDK (AwsV4HttpSigner, 1 thread, %d each after %d warm-up): "
                + "DescribeImages form %.1f µs, RegisterImage form %.1f µs per request", SIGNS, SIGNS, describeMicros,
                registerMicros);
    }

    /** The gateway's own verification of such a signature, alone (the class it runs, with its signing-key cache). */
    private void verificationBaseline() {
        AccessKey key = new AccessKey(accessKeyId, secretAccessKey, BenchmarkRegion.ACCOUNT, "bench");
        SignatureV4 verifier = new SignatureV4(id -> id.equals(accessKeyId) ? key : null, Clock.systemUTC());
        SignedRequest describe = gateway.asReceived(Clients.Gateway.describeForm("ami-0123456789abcdef0"));
        SignedRequest register = gateway.asReceived(
                Clients.Gateway.registerForm("bench-name-000000", "snap-0123456789abcdef0"));
        for (int i = 0; i < SIGNS; i++) {
            verifier.verify(i % 2 == 0 ? describe : register, "ec2");
        }
        double describeMicros = micros(SIGNS, () -> verifier.verify(describe, "ec2"));
        double registerMicros = micros(SIGNS, () -> verifier.verify(register, "ec2"));
        line("baseline: SigV4 verification by the gateway (SignatureV4.verify, 1 thread, %d each after %d warm-up): "
                + "DescribeImages %.1f µs, RegisterImage %.1f µs per request", SIGNS, SIGNS, describeMicros, registerMicros);
    }

    /** An HTTP round trip of the same clients to each server's liveness endpoint: the floor of one hop. */
    private void httpFloor() throws Exception {
        URI registryHealth = URI.create(registryUrl + "/q/health/live");
        URI gatewayHealth = gateway.endpoint().resolve("/q/health/live");
        Work registry = i -> health(registryHealth);
        Work gatewayHop = i -> health(gatewayHealth);
        warmUp("the registry's health endpoint", WARMUP / 2, 1, registry);
        warmUp("the gateway's health endpoint", WARMUP / 2, 1, gatewayHop);
        int n = Math.max(1, DESCRIBES / 2);
        print("baseline: GET /q/health/live, registry", closedLoop("", n, THREADS, registry));
        print("baseline: GET /q/health/live, gateway", closedLoop("", n, THREADS, gatewayHop));
    }

    private static Object health(URI uri) throws Exception {
        Clients.Answer answer = Clients.call(uri, "GET", java.util.Map.of("Accept", "application/json"), null);
        if (answer.status() != 200) {
            throw new IllegalStateException(uri + " answered " + answer);
        }
        return null;
    }

    // ---------------------------------------------------------------- the actions

    private void describes(List<String> catalogue) throws Exception {
        int warm = Math.min(WARMUP, catalogue.size() / 2);
        List<String> warmIds = catalogue.subList(0, warm);
        List<String> measured = catalogue.subList(warm, catalogue.size());
        // The gateway first: its calls warm the registry's describe path too.
        warmUp("DescribeImages through the gateway", WARMUP, WARMUP_ROUNDS,
                i -> describe(gateway, warmIds.get(i % warmIds.size())));
        warmUp("DescribeImages direct", WARMUP, WARMUP_ROUNDS, i -> describe(direct, warmIds.get(i % warmIds.size())));
        line("DescribeImages by ID (one image per call, %d images measured, the same IDs in the same order for every "
                + "phase; warm-up on %d others):", measured.size(), warmIds.size());

        Work directCall = i -> describe(direct, measured.get(i % measured.size()));
        Work gatewayCall = i -> describe(gateway, measured.get(i % measured.size()));
        // The loaded phases first: the one-client phases, the most sensitive to a JIT still compiling, come last.
        Phase[] loaded = {
                print("  direct,  " + THREADS + " clients", closedLoop("", DESCRIBES, THREADS, directCall)),
                print("  gateway, " + THREADS + " clients", gatewayPhase("describe", DESCRIBES, THREADS, gatewayCall)),
                print("  direct,  " + THREADS + " clients, again", closedLoop("", DESCRIBES, THREADS, directCall)) };
        Phase[] single = {
                print("  direct,  1 client", closedLoop("", SINGLE, 1, directCall)),
                print("  gateway, 1 client", gatewayPhase("describe-1", SINGLE, 1, gatewayCall)),
                print("  direct,  1 client, again", closedLoop("", SINGLE, 1, directCall)) };
        compare("DescribeImages", single, loaded);
    }

    private void registrations() throws Exception {
        int n = Math.max(1, WARMUP / 2);
        // The seeding warmed both paths' registrations already; the gateway's calls warm the registry too.
        warmUp("RegisterImage through the gateway", n, WARMUP_ROUNDS, i -> gateway.register("warm-gateway-" + run + "-" + i,
                snapshot(snapshots, i)));
        warmUp("RegisterImage direct", n, 2, i -> direct.register("warm-direct-" + run + "-" + i, snapshot(snapshots, i)));
        line("RegisterImage (one EBS mapping, a distinct name per call; warm-up with other names):");
        Phase[] loaded = {
                print("  direct,  " + THREADS + " clients", closedLoop("", REGISTRATIONS, THREADS, registering(direct, "d"))),
                print("  gateway, " + THREADS + " clients", gatewayPhase("register", REGISTRATIONS, THREADS,
                        registering(gateway, "g"))),
                print("  direct,  " + THREADS + " clients, again", closedLoop("", REGISTRATIONS, THREADS,
                        registering(direct, "db"))) };
        Phase[] single = {
                print("  direct,  1 client", closedLoop("", SINGLE / 2, 1, registering(direct, "d1"))),
                print("  gateway, 1 client", gatewayPhase("register-1", SINGLE / 2, 1, registering(gateway, "g1"))),
                print("  direct,  1 client, again", closedLoop("", SINGLE / 2, 1, registering(direct, "d1b"))) };
        compare("RegisterImage", single, loaded);
    }

    private Work registering(Clients.Api api, String phase) {
        return i -> api.register("bench-" + phase + "-" + run + "-" + i, snapshot(snapshots, i));
    }

    private static String snapshot(List<String> snapshots, int i) {
        return snapshots.get(i % snapshots.size());
    }

    private Object describe(Clients.Api api, String imageId) throws Exception {
        try {
            api.describe(imageId);
        } catch (Clients.WrongAnswer e) {
            // Is it this image, or this moment? Asked again at once, through both paths.
            throw new Clients.WrongAnswer(e.getMessage() + "; asked again at once: direct " + retried(direct, imageId)
                    + ", gateway " + retried(gateway, imageId));
        }
        return null;
    }

    private static String retried(Clients.Api api, String imageId) {
        try {
            api.describe(imageId);
            return "right";
        } catch (Exception e) {
            return "wrong too";
        }
    }

    /** A measured gateway phase: with the client's signing time apart, and a JFR recording if asked for. */
    private Phase gatewayPhase(String name, int n, int threads, Work work) throws Exception {
        long signingBefore = gateway.signingNanos.sum();
        long signedBefore = gateway.signed.sum();
        Profiler profiler = Profiler.start(name + "-" + threads);
        Phase phase = closedLoop("", n, threads, work);
        phase.signingMicros = (gateway.signingNanos.sum() - signingBefore) / 1e3
                / Math.max(1, gateway.signed.sum() - signedBefore);
        pendingProfile = profiler;
        return phase;
    }

    private Profiler pendingProfile;

    /** The differences the targets are about: p50 added by the gateway, and the throughput it keeps. */
    private void compare(String action, Phase[] single, Phase[] loaded) {
        for (Phase[] set : List.of(single, loaded)) {
            Phase before = set[0], through = set[1], after = set[2];
            double directP50 = (before.p(0.50) + after.p(0.50)) / 2;
            double directRate = (before.rate() + after.rate()) / 2;
            double added = through.p(0.50) - directP50;
            double kept = through.rate() / directRate;
            line("  => %s, %d client%s: gateway p50 − direct p50 = %+.2f ms (direct %.2f / %.2f ms; of it the client's "
                    + "signing %.0f µs), p99 %+.2f ms; throughput gateway/direct = %.1f%% (direct %.0f / %.0f per s); "
                    + "gateway threads' CPU %.0f µs per request (%.0f requests/s per core), the JIT's in this JVM %.0f",
                    action, through.threads, through.threads == 1 ? "" : "s",
                    added, before.p(0.50), after.p(0.50), through.signingMicros,
                    through.p(0.99) - (before.p(0.99) + after.p(0.99)) / 2, 100 * kept, before.rate(), after.rate(),
                    through.perRequest(through.usage.gateway()), 1e6 / through.perRequest(through.usage.gateway()),
                    through.perRequest(through.usage.testJit()));
            if (through.threads > 1) {
                line("  => target p50 added ≤ 2 ms: %s (%+.2f ms at %d clients, %+.2f ms at 1 client); throughput cost "
                        + "≤ 15%%: %s (%.1f%%)", added <= 2.0 && singleAdded(single) <= 2.0 ? "met" : "MISSED", added,
                        through.threads, singleAdded(single), kept >= 0.85 ? "met" : "MISSED", 100 * (1 - kept));
            }
        }
    }

    private static double singleAdded(Phase[] single) {
        return single[1].p(0.50) - (single[0].p(0.50) + single[2].p(0.50)) / 2;
    }

    // ---------------------------------------------------------------- the closed loop

    @FunctionalInterface
    interface Work {
        Object run(int i) throws Exception;
    }

    /** One phase's figures. */
    static final class Phase {
        final String what;
        final int n;
        final int threads;
        final long[] sorted;
        final long elapsed;
        final Cpu.Usage usage;
        final int errors;
        final List<String> errorSamples;
        double signingMicros = Double.NaN;

        Phase(String what, int threads, long[] latencies, long elapsed, Cpu.Usage usage, int errors,
                List<String> errorSamples) {
            this.errors = errors;
            this.errorSamples = errorSamples;
            this.what = what;
            this.n = latencies.length;
            this.threads = threads;
            this.sorted = latencies.clone();
            Arrays.sort(sorted);
            this.elapsed = elapsed;
            this.usage = usage;
        }

        double rate() {
            return n / (elapsed / 1e9);
        }

        /** A percentile in milliseconds (nearest rank). */
        double p(double q) {
            return sorted[Math.min(n - 1, Math.max(0, (int) Math.ceil(q * n) - 1))] / 1e6;
        }

        double perRequest(long nanos) {
            return nanos / 1e3 / n;
        }
    }

    /**
     * Warm-up of one path: rounds of operations until the JIT compilers of the test JVM and the registry together use
     * less than {@link #JIT_SETTLED} cores (the gateway's code path, the AWS SDK's model classes and Jackson's XML
     * writer among them, kept C2 busy for tens of seconds on a loaded 2-core machine: JFR showed SignatureV4.verify,
     * QueryReader.list and XmlAnswer.structure reaching C2 only during a measured phase), at most
     * {@link #WARMUP_ROUNDS} rounds or {@link #WARMUP_SECONDS} seconds.
     */
    private void warmUp(String what, int n, int maxRounds, Work work) throws Exception {
        Phase round = null;
        int rounds = 0;
        long started = System.nanoTime();
        do {
            round = closedLoop("warm-up", n, THREADS, work, rounds);
            rounds++;
        } while (rounds < maxRounds && System.nanoTime() - started < WARMUP_SECONDS * 1_000_000_000L
                && jitCores(round) > JIT_SETTLED);
        line("  (warm-up of %s: %d round%s of %d operations in %.0f s, the last at %.0f/s with the JIT compilers of the "
                + "test JVM and the registry using %.2f + %.2f cores)", what, rounds, rounds == 1 ? "" : "s", n,
                (System.nanoTime() - started) / 1e9, round.rate(), round.usage.cores(round.usage.testJit()),
                round.usage.cores(round.usage.registryJit()));
    }

    private static double jitCores(Phase round) {
        return round.usage.cores(round.usage.testJit() + round.usage.registryJit());
    }

    /** {@code n} operations on {@code threads} closed-loop client threads (no think time); each one's latency. */
    private Phase closedLoop(String what, int n, int threads, Work work) throws Exception {
        return closedLoop(what, n, threads, work, 0);
    }

    /** {@code offset}: where the operations' indexes start (a warm-up round's own data). */
    private Phase closedLoop(String what, int n, int threads, Work work, int round) throws Exception {
        int offset = round * n;
        long[] latencies = new long[n];
        AtomicInteger next = new AtomicInteger();
        LongAdder clientCpu = new LongAdder();
        AtomicInteger errors = new AtomicInteger();
        List<String> errorSamples = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger named = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads,
                r -> new Thread(r, "benchmark-client-" + named.incrementAndGet()));
        List<Future<?>> workers = new ArrayList<>();
        Cpu.Snapshot before = cpu.snapshot();
        long started = System.nanoTime();
        for (int w = 0; w < threads; w++) {
            workers.add(pool.submit(() -> {
                long cpu0 = Cpu.currentThreadCpu();
                try {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        long t0 = System.nanoTime();
                        try {
                            work.run(offset + i);
                        } catch (Clients.WrongAnswer e) {
                            if (errors.incrementAndGet() <= 3) {
                                errorSamples.add(e.getMessage());
                            }
                        }
                        latencies[i] = System.nanoTime() - t0;
                    }
                } finally {
                    clientCpu.add(Cpu.currentThreadCpu() - cpu0);
                }
                return null;
            }));
        }
        try {
            for (Future<?> worker : workers) {
                worker.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long elapsed = System.nanoTime() - started;
        Phase phase = new Phase(what, threads, latencies, elapsed, Cpu.between(before, cpu.snapshot(), clientCpu.sum()),
                errors.get(), List.copyOf(errorSamples));
        if ((what.equals("warm-up") || what.equals("seed")) && phase.errors > 0) {
            line("  (%s: %d WRONG ANSWERS of %d)", what, phase.errors, n);
            phase.errorSamples.forEach(sample -> line("    wrong answer: %s", sample));
        }
        if (phase.errors > Math.max(10, n / 20)) {
            throw new IllegalStateException(phase.errors + " of " + n + " answers were wrong, e.g. " + phase.errorSamples);
        }
        return phase;
    }

    private Phase print(String what, Phase phase) {
        Cpu.Usage u = phase.usage;
        line("%-40s %6.0f/s  p50 %6.2f  p90 %6.2f  p99 %6.2f  max %7.2f ms", what, phase.rate(), phase.p(0.50),
                phase.p(0.90), phase.p(0.99), phase.sorted[phase.n - 1] / 1e6);
        line("%-40s CPU µs/request: clients %4.0f | gateway threads %4.0f, test JVM JIT %4.0f, GC+VM %3.0f, other %4.0f "
                + "| registry %4.0f (JIT %4.0f) | PostgreSQL %4.0f | machine %3.0f%% busy, other processes %.2f cores", "",
                phase.perRequest(u.clients()), phase.perRequest(u.gateway()), phase.perRequest(u.testJit()),
                phase.perRequest(u.testGc()), phase.perRequest(u.testJvmRest()), phase.perRequest(u.registry()),
                phase.perRequest(u.registryJit()), phase.perRequest(u.postgres()),
                u.machineTotal() == 0 ? 0 : 100.0 * u.machineBusy() / u.machineTotal(), u.cores(u.others()));
        if (phase.errors > 0) {
            line("    %d WRONG ANSWERS (counted in the latencies above), e.g.:", phase.errors);
            phase.errorSamples.forEach(sample -> line("      %s", sample));
        }
        if (pendingProfile != null) {
            Profiler profiler = pendingProfile;
            pendingProfile = null;
            profiler.stopAndSummarise(text -> line("%s", text));
        }
        return phase;
    }

    // ---------------------------------------------------------------- helpers

    private static double micros(int n, Runnable work) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            work.run();
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }

    private static String loadAverages() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (Exception e) {
            return String.format("%.2f", Cpu.loadAverage());
        }
    }

    /** A version 7 UUID (its first 48 bits the Unix milliseconds), as the services' event IDs are. */
    static UUID uuid7() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (System.currentTimeMillis() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    private static String sha256Base64(String seed) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(seed.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(int digits) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < digits; i++) {
            hex.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
        }
        return hex.toString();
    }

    private void line(String format, Object... args) {
        String text = String.format(format, args);
        System.out.println("[benchmark] " + text);
        report.add(text);
    }
}
