package dev.imageregistry.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;


import java.util.List;
import java.util.Locale;
import java.util.Map;


import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ArchitectureValues;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Image;

/**
 * Issue 16's claim for CreateImage: an image made from an instance is available as soon as the events are applied,
 * whatever the volume's size, because the new snapshot is the volume's block map and no block is copied. Measured on
 * the packaged local stack (one Region), a 1 GiB and a 64 GiB image, beside two raw baselines of the same run: the
 * Kafka round trip times the event hops (the floor of any event-driven CreateImage), and S3 CopyObject of a volume's
 * blocks (what copying would cost). Not part of the test run ({@code -Dbenchmark.create-image=true}); each run asserts
 * that no block object was written and that the new snapshot lists the base's blocks, and the size ratio is reported
 * beside its target, met or not. Options: {@code -Dbenchmark.create-image.runs} [5 per size],
 * {@code .warmup} [2 per size], {@code .round-trips} [200], {@code .copy-threads} [8]. Writes
 * {@code target/create-image-benchmark.md}.
 *
 * <p>The base snapshots are mapped in full but cheaply: their blocks cycle through a few dozen contents, uploaded
 * once; every index is then mapped by checksum (block-references). The volumes write nothing: no API writes blocks
 * to an instance's volume, so the new snapshot's map is exactly the base's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CreateImageBenchmark {
    private static final int RUNS = Integer.getInteger("benchmark.create-image.runs", 5);
    private static final int WARMUP = Integer.getInteger("benchmark.create-image.warmup", 2);
    private static final int ROUND_TRIPS = Integer.getInteger("benchmark.create-image.round-trips", 200);
    private static final int COPY_THREADS = Integer.getInteger("benchmark.create-image.copy-threads", 8);
    private static final int BLOCK = MappedSnapshots.BLOCK;
    private static final int BLOCKS_PER_GIB = 2048;
    private static final int DISTINCT_BLOCKS = 32;
    /** ImageCreationRequested, VolumeSnapshotTaken, SnapshotCompleted, ImageAvailable (to this observer). */
    private static final int HOPS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KAFKA = Pattern.compile("(?m)^\\s+kafka\\s+(\\S+)$");
    private static final Pattern S3 = Pattern.compile("(?m)^\\s+s3\\s+(\\S+) \\(key");

    /** Kept after a failed run: the services' logs are in its logs/ folder. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dataDir;

    private MappedSnapshots snapshots;
    private Process stack;
    private String gateway;
    private String snapshotService;
    private String kafka;
    private RegionS3 s3;
    private String token;
    private SignedHttp ebs;
    private String loadBefore;
    private final java.util.Set<String> asked = new java.util.HashSet<>();

    /** A base image of one size: its snapshot and block list, and the running instance CreateImage is asked of. */
    private record Base(int gib, String snapshotId, List<String> blocks, String instanceId, double setUpSeconds) {
        String label() {
            return gib + " GiB (" + String.format(Locale.ROOT, "%,d", blocks.size()) + " blocks)";
        }
    }

    /** The events of one CreateImage before ImageAvailable, in the order the services publish them. */
    private static final List<String> STEPS = List.of("ImageCreationRequested", "VolumeSnapshotTaken", "SnapshotStarted",
            "SnapshotBlocksOverlaid", "SnapshotCompleted");

    /**
     * One CreateImage, in ms from the call: until its answer, until its ImageAvailable arrived, and until (the last
     * part of) each of the steps' events arrived; and the size of the new snapshot's SnapshotBlocksOverlaid parts.
     */
    private record Sample(double answeredMillis, double availableMillis, Map<String, Double> steps, long mapBytes) {
    }

    @BeforeAll
    void startTheStack() throws Exception {
        assumeTrue(Boolean.getBoolean("benchmark.create-image"), "a benchmark: run with -Dbenchmark.create-image=true");
        loadBefore = loadAverage();
        int portBase = freePortBase();
        gateway = LocalStack.gatewayEndpoint(portBase, 0);
        snapshotService = "http://127.0.0.1:" + (portBase + RegionClient.SNAPSHOT);
        stack = new ProcessBuilder(SnapshotTool.java(), "-Xmx768m",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-cp", System.getProperty("java.class.path"),
                LocalStack.class.getName(), "--data-dir", dataDir.toString(), "--port-base", String.valueOf(portBase),
                "--regions", "us-east-1", "--project-root", SnapshotTool.root().toString()).redirectErrorStream(true).start();
        String summary = awaitReady(stack, dataDir.resolve("stack.out")).get(300, TimeUnit.SECONDS);
        kafka = find(KAFKA, summary);
        s3 = new RegionS3(find(S3, summary), RegionStack.S3_ACCESS_KEY, RegionStack.S3_SECRET_KEY);
        token = Files.readAllLines(dataDir.resolve("tokens.env")).stream().filter(l -> l.startsWith("TOKEN_A="))
                .findFirst().orElseThrow().substring("TOKEN_A=".length());
        ebs = new SignedHttp("ebs", new AwsClients(gateway, dataDir).keys("a").resolveCredentials());
        snapshots = new MappedSnapshots(snapshotService, token, DISTINCT_BLOCKS, 16);
    }

    @AfterAll
    void stopTheStack() throws InterruptedException {
        if (stack != null) {
            stack.destroy(); // SIGTERM: the stack's shutdown hook stops every process it started
            if (!stack.waitFor(120, TimeUnit.SECONDS)) {
                stack.descendants().forEach(ProcessHandle::destroyForcibly);
                stack.destroyForcibly();
            }
        }
    }

    @Test
    void createImageTakesTheSameTimeForA64GiBImageAsForA1GiBImage() throws Exception {
        AwsClients clients = new AwsClients(gateway, dataDir);
        try (Ec2Client ec2 = clients.ec2("a", "us-east-1"); CreateImageEvents events = new CreateImageEvents(kafka)) {
            List<Base> bases = List.of(base(ec2, 1), base(ec2, 64));
            List<Long> roundTrips = KafkaRoundTrip.measure(kafka, 50, ROUND_TRIPS);

            for (Base base : bases) {
                for (int i = 0; i < WARMUP; i++) {
                    createImage(ec2, events, base, "warmup-" + i);
                }
            }
            // By identity: a Base's hash would walk its 131,072 listed blocks on every lookup.
            Map<Base, List<Sample>> samples = bases.stream().collect(Collectors.toMap(b -> b, b -> new ArrayList<>(),
                    (a, b) -> a, java.util.IdentityHashMap::new));
            for (int run = 0; run < RUNS; run++) {
                for (Base base : bases) { // alternating, so that the machine's noise falls on both sizes alike
                    samples.get(base).add(createImage(ec2, events, base, "run-" + run));
                }
            }
            double copySeconds = copyVolumeBlocks(bases.get(0));
            write(bases, samples, roundTrips, copySeconds);
        }
    }

    /** A fully mapped base snapshot of {@code gib} GiB, an image registered on it, and a running instance of it. */
    private Base base(Ec2Client ec2, int gib) throws Exception {
        long start = System.nanoTime();
        String snapshotId = snapshots.completed(gib, gib * BLOCKS_PER_GIB);
        line("set-up: %,d blocks mapped by block-references in batches of %d, the slowest call %.0f ms",
                gib * BLOCKS_PER_GIB, MappedSnapshots.BATCH, snapshots.slowestBatchMillis());
        double setUp = (System.nanoTime() - start) / 1e9;
        String[] imageId = new String[1];
        // The registry learns of the completed snapshot from snapshot-events: retried until it has.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreException(Ec2Exception.class)
                .until(() -> {
                    imageId[0] = ec2.registerImage(r -> r.name("create-image-benchmark-base-" + gib + "g")
                            .architecture(ArchitectureValues.X86_64).rootDeviceName("/dev/xvda").virtualizationType("hvm")
                            .blockDeviceMappings(m -> m.deviceName("/dev/xvda").ebs(e -> e.snapshotId(snapshotId)
                                    .volumeType("gp3").deleteOnTermination(true)))).imageId();
                    return true;
                });
        // The launch-service learns of the image from image-events: retried until it has.
        String instanceId = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .ignoreException(Ec2Exception.class).until(() -> ec2.runInstances(r -> r.imageId(imageId[0]).minCount(1)
                        .maxCount(1).instanceType("t3.micro")).instances().get(0).instanceId(), id -> id != null);
        AwsClients.waiter(ec2).waitUntilInstanceRunning(r -> r.instanceIds(instanceId));
        List<String> blocks = listBlocks(snapshotId);
        assertEquals(gib * BLOCKS_PER_GIB, blocks.size(), "the base snapshot maps every block");
        line("set-up: %d GiB base snapshot %s mapped in %.1f s, image %s, instance %s", gib, snapshotId, setUp,
                imageId[0], instanceId);
        return new Base(gib, snapshotId, blocks, instanceId, setUp);
    }

    /**
     * One CreateImage through the gateway until its ImageAvailable arrives; then (outside the measured time) that no
     * block object was written and that the new snapshot lists exactly the base's blocks.
     */
    private Sample createImage(Ec2Client ec2, CreateImageEvents events, Base base, String label) throws Exception {
        long objectsBefore = s3.count("blocks", "blocks/");
        String name = "create-image-benchmark-" + base.gib() + "g-" + label;
        long start = System.nanoTime();
        String imageId = asked.add(base.instanceId())
                // The registry learns of the instance from instance-events: the first call may come before it has.
                ? await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .ignoreException(Ec2Exception.class).until(() -> createImage(ec2, base, name), id -> id != null)
                : createImage(ec2, base, name);
        long answered = System.nanoTime();
        long available = events.awaitAvailable(imageId, Duration.ofSeconds(120));

        assertEquals(objectsBefore, s3.count("blocks", "blocks/"), "CreateImage wrote no block object");
        Image image = ec2.describeImages(r -> r.imageIds(imageId)).images().get(0);
        assertEquals("available", image.stateAsString());
        String snapshotId = image.blockDeviceMappings().get(0).ebs().snapshotId();
        Map<String, Double> steps = new java.util.LinkedHashMap<>();
        for (String step : STEPS) {
            String about = step.startsWith("Image") ? imageId : snapshotId;
            steps.put(step, (events.await(step, about, Duration.ofSeconds(30)).nanos() - start) / 1e6);
        }
        long mapBytes = events.await("SnapshotBlocksOverlaid", snapshotId, Duration.ofSeconds(30)).bytes();
        Sample sample = new Sample((answered - start) / 1e6, (available - start) / 1e6, steps, mapBytes);
        assertEquals(base.blocks(), listBlocks(snapshotId), "the new snapshot maps the base's blocks");
        line("%-8s %-10s %s: answered %.1f ms, available %.1f ms (%s, %d objects before and after; events at %s ms)",
                base.gib() + " GiB", label, imageId, sample.answeredMillis(), sample.availableMillis(), snapshotId,
                objectsBefore, steps.values().stream().map(ms -> String.format(Locale.ROOT, "%.0f", ms))
                        .collect(Collectors.joining(", ")));
        return sample;
    }

    private static String createImage(Ec2Client ec2, Base base, String name) {
        return ec2.createImage(r -> r.instanceId(base.instanceId()).name(name).noReboot(true)).imageId();
    }

    /** ListSnapshotBlocks through the gateway, page by page: "index checksum" per block, in index order. */
    private List<String> listBlocks(String snapshotId) throws IOException {
        List<String> blocks = new ArrayList<>();
        String page = null;
        do {
            HttpResponse<String> answer = ebs.send("GET", gateway + "/snapshots/" + snapshotId + "/blocks?maxResults=10000"
                    + (page == null ? "" : "&pageToken=" + page), Map.of());
            assertEquals(200, answer.statusCode(), answer.body());
            JsonNode listing = JSON.readTree(answer.body());
            listing.path("Blocks").forEach(b -> blocks.add(b.path("BlockIndex").asLong() + " " + b.path("Checksum").asText()));
            page = listing.hasNonNull("NextToken") ? listing.path("NextToken").asText() : null;
        } while (page != null);
        return blocks;
    }

    /** The copying baseline: each of the 1 GiB volume's block objects copied to a key of its own, in the same server. */
    private double copyVolumeBlocks(Base base) throws Exception {
        s3.createBucket("create-image-benchmark-copies");
        ExecutorService pool = Executors.newFixedThreadPool(COPY_THREADS);
        try {
            long start = System.nanoTime();
            List<Future<?>> copies = new ArrayList<>();
            for (int i = 0; i < base.blocks().size(); i++) {
                int index = i;
                copies.add(pool.submit(() -> s3.copy("blocks", "blocks/" + snapshots.hex(index), "create-image-benchmark-copies",
                        "volume-" + base.gib() + "g/" + index)));
            }
            for (Future<?> copy : copies) {
                copy.get();
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            pool.shutdown();
        }
    }

    private void write(List<Base> bases, Map<Base, List<Sample>> samples, List<Long> roundTrips, double copySeconds)
            throws IOException {
        Base small = bases.get(0);
        Base large = bases.get(1);
        List<Double> smallAvailable = samples.get(small).stream().map(Sample::availableMillis).toList();
        List<Double> largeAvailable = samples.get(large).stream().map(Sample::availableMillis).toList();
        double ratio = p50(largeAvailable) / p50(smallAvailable);
        List<Double> trips = roundTrips.stream().map(n -> n / 1e6).toList();
        double copiedMB = small.blocks().size() * (double) BLOCK / 1e6;
        String loadAfter = loadAverage();

        List<String> md = new ArrayList<>();
        md.add("# CreateImage: a 64 GiB image against a 1 GiB image");
        md.add("");
        md.add(String.format(Locale.ROOT, "%s; one Region (us-east-1) of the packaged local stack; %d cores; load average "
                + "(1, 5, 15 min) %s before, %s after; %s.", Instant.now(), Runtime.getRuntime().availableProcessors(),
                loadBefore, loadAfter, Runtime.version()));
        md.add("");
        md.add(String.format(Locale.ROOT, "Each run: CreateImage of a running instance through the aws-gateway (AWS SDK "
                + "for Java v2), until the registry's ImageAvailable arrives on image-events. %d runs per size after %d "
                + "warm-up runs, sizes alternating.", RUNS, WARMUP));
        md.add("");
        md.add("| | p50 | max | n |");
        md.add("|---|---:|---:|---:|");
        for (Base base : bases) {
            List<Sample> runs = samples.get(base);
            List<Double> available = runs.stream().map(Sample::availableMillis).toList();
            md.add(row("CreateImage → ImageAvailable, " + base.label(), p50(available), max(available), runs.size()));
        }
        for (Base base : bases) {
            List<Double> answered = samples.get(base).stream().map(Sample::answeredMillis).toList();
            md.add(row("CreateImage answered (the call alone), " + base.gib() + " GiB", p50(answered), max(answered),
                    answered.size()));
        }
        md.add(row("Raw: Kafka produce → consume, one hop (acks=all)", p50(trips), max(trips), trips.size()));
        md.add(String.format(Locale.ROOT, "| Raw: %d hops × that p50 (the floor of an event-driven CreateImage) | %.1f ms | | |",
                HOPS, HOPS * p50(trips)));
        md.add(String.format(Locale.ROOT, "| Raw: S3 CopyObject of the 1 GiB volume's %,d block objects, %d in parallel "
                + "(measured) | %.1f s (%.0f MB/s) | | 1 |", small.blocks().size(), COPY_THREADS, copySeconds,
                copiedMB / copySeconds));
        md.add(String.format(Locale.ROOT, "| Raw: the same for 64 GiB's %,d (extrapolated ×64) | %,.0f s | | |",
                large.blocks().size(), copySeconds * 64));
        md.add("");
        md.add("Where the time goes: p50, in ms from the CreateImage call, of each event's arrival at a consumer of "
                + "the topics (of the last part, for the two events in parts).");
        md.add("");
        md.add("| event (producer) | " + bases.stream().map(b -> b.gib() + " GiB").collect(Collectors.joining(" | "))
                + " |");
        md.add("|---|" + "---:|".repeat(bases.size()));
        Map<String, String> producers = Map.of("ImageCreationRequested", "registry", "VolumeSnapshotTaken",
                "launch-service", "SnapshotStarted", "snapshot-service", "SnapshotBlocksOverlaid", "snapshot-service",
                "SnapshotCompleted", "snapshot-service");
        for (String step : STEPS) {
            md.add("| " + step + " (" + producers.get(step) + ") | " + bases.stream().map(b -> String.format(Locale.ROOT,
                    "%.1f", p50(samples.get(b).stream().map(s -> s.steps().get(step)).toList())))
                    .collect(Collectors.joining(" | ")) + " |");
        }
        md.add("| ImageAvailable (registry) | " + bases.stream().map(b -> String.format(Locale.ROOT, "%.1f",
                p50(samples.get(b).stream().map(Sample::availableMillis).toList()))).collect(Collectors.joining(" | "))
                + " |");
        md.add("| size of the new snapshot's SnapshotBlocksOverlaid parts | " + bases.stream().map(b -> String.format(
                Locale.ROOT, "%,d bytes", samples.get(b).get(0).mapBytes())).collect(Collectors.joining(" | ")) + " |");
        md.add("");
        md.add(String.format(Locale.ROOT, "**64 GiB / 1 GiB (p50 until available): %.2f — target ≤ 2: %s.** "
                + "Copying the 64 GiB volume's blocks would take %.0f× the 64 GiB CreateImage's p50.", ratio,
                ratio <= 2 ? "met" : "missed", copySeconds * 64 * 1000 / p50(largeAvailable)));
        md.add("");
        md.add("Every run: no block object written in the bucket (counted before and after), and the new snapshot's "
                + "block list (ListSnapshotBlocks through the gateway, page by page) equal to the base's. The base "
                + "snapshots: " + DISTINCT_BLOCKS + " distinct contents put once, every index mapped by block-references "
                + bases.stream().map(b -> String.format(Locale.ROOT, "%d GiB in %.1f s", b.gib(), b.setUpSeconds()))
                        .collect(Collectors.joining(", ", "(", ")")) + "; the volumes wrote no block (no API writes to one).");
        md.add("");
        for (Base base : bases) {
            md.add("Runs, " + base.gib() + " GiB, until available (ms): " + samples.get(base).stream()
                    .map(s -> String.format(Locale.ROOT, "%.1f", s.availableMillis())).collect(Collectors.joining(", ")));
            md.add("");
        }
        md.forEach(this::line);
        Files.write(Path.of("target", "create-image-benchmark.md"), md, StandardCharsets.UTF_8);
    }

    private static String row(String what, double p50, double max, int n) {
        return String.format(Locale.ROOT, "| %s | %.1f ms | %.1f ms | %d |", what, p50, max, n);
    }

    private static double p50(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    private static String find(Pattern pattern, String text) {
        Matcher match = pattern.matcher(text);
        if (!match.find()) {
            throw new IllegalStateException("not in the stack's summary: " + pattern + "\n" + text);
        }
        return match.group(1);
    }

    /**
     * Copies the stack's output to a file and completes with everything printed up to "LOCAL STACK READY" (the
     * summary with the broker's and the S3 server's addresses); completes exceptionally if the stack exits first.
     */
    private static CompletableFuture<String> awaitReady(Process stack, Path log) {
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread copier = new Thread(() -> {
            StringBuilder seen = new StringBuilder();
            try (InputStream in = stack.getInputStream(); OutputStream out = Files.newOutputStream(log)) {
                byte[] buffer = new byte[8192];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    out.write(buffer, 0, n);
                    if (!ready.isDone()) {
                        seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                        if (seen.indexOf("LOCAL STACK READY") >= 0) {
                            ready.complete(seen.toString());
                        }
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("the stack exited before it was ready; see " + log));
        }, "local-stack-output");
        copier.setDaemon(true);
        copier.start();
        return ready;
    }

    /** A base of five free ports (one Region: gateway, registry, snapshot, launch, replicator). */
    private static int freePortBase() {
        int first = (int) (ProcessHandle.current().pid() % 60);
        for (int n = 0; n < 60; n++) {
            int base = 20000 + ((first + n) % 60) * 200;
            if (IntStream.rangeClosed(0, 4).allMatch(p -> free(base + p))) {
                return base;
            }
        }
        throw new IllegalStateException("no free port base between 20000 and 32000");
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + ", " + fields[1] + ", " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void line(String format, Object... args) {
        System.out.println("[benchmark] " + (args.length == 0 ? format : String.format(Locale.ROOT, format, args)));
    }
}
