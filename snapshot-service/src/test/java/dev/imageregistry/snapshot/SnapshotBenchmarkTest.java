package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import dev.imageregistry.infra.FreePort;
import dev.imageregistry.infra.PostgresServer;
import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.S3Server;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.persistence.BlockObjects;
import dev.imageregistry.snapshottool.Download;
import dev.imageregistry.snapshottool.SnapshotEndpoint;
import dev.imageregistry.snapshottool.Upload;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;

/**
 * Not part of the default run. Uploads 1 GiB with the tool (its default: straight to S3 with requests the service
 * signed; then other blocks of the same size --via-service) and downloads it through the service, beside plain S3
 * PUTs/GETs of the same 512 KiB blocks at the same concurrency against the same S3 server; then downloads it again
 * the default way, straight from S3 with the presigned URLs the service lists, between two more raw GET runs (the
 * raw rate moves with the machine's load); then uploads the same file again (0 new objects expected). The service runs as its own process (the packaged
 * {@code target/quarkus-app/quarkus-run.jar}, prod profile) so that its peak memory (VmHWM) is its own; the tool
 * and the raw S3 client run in this JVM. Run:
 * {@code ./mvnw -B -q package -pl snapshot-service -DskipTests}, then
 * {@code ./mvnw -B -q test -pl snapshot-service -Dtest=SnapshotBenchmarkTest -Dbenchmark=true}
 * (-Dbenchmark.mib=1024 -Dbenchmark.concurrency=8 to change the size and concurrency, -Dbenchmark.warmup-mib=256
 * for the warm-up of every path before the measured runs,
 * -Dbenchmark.service-jvm-args="-Xmx256m" for the service's JVM).
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class SnapshotBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void uploadAndDownloadBesideRawS3() throws Exception {
        int mib = Integer.getInteger("benchmark.mib", 1024);
        int concurrency = Integer.getInteger("benchmark.concurrency", 8);
        // A 256 MiB heap: with it the whole process stays under the 512 MiB target (see docs/snapshot-service.md).
        // The common pool setting of the service's image (Dockerfile.jvm), for the service and for this JVM's raw
        // S3 client alike: with 2 CPUs the JDK otherwise starts a thread for every MinIO PUT.
        String commonPool = "java.util.concurrent.ForkJoinPool.common.parallelism";
        System.setProperty(commonPool, "64");
        String serviceJvmArgs = System.getProperty("benchmark.service-jvm-args", "-Xmx256m") + " -D" + commonPool + "=64";
        RegionTestResource.Region region = RegionTestResource.region();
        region.kafka().createTopics(List.of("image-events", "snapshot-events", "instance-events", "copy-events"), 3);
        Path disk = dir.resolve("bench.raw");
        int blocks = mib * 2;
        writeRandomDisk(disk, blocks);
        int warmUpMib = Integer.getInteger("benchmark.warmup-mib", 256);
        Process service = startService(region, serviceJvmArgs);
        try {
            if (warmUpMib > 0) {
                warmUp(warmUpMib, concurrency);
            }
            run(service, mib, blocks, concurrency, disk, serviceJvmArgs);
        } finally {
            service.destroy();
            if (!service.waitFor(30, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        }
    }

    /** A disk of distinct random blocks (so no block deduplicates against another run's or phase's). */
    private static void writeRandomDisk(Path disk, int blocks) throws IOException {
        try (FileChannel out = FileChannel.open(disk, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < blocks; i++) {
                out.write(java.nio.ByteBuffer.wrap(block(System.nanoTime() ^ i)));
            }
        }
    }

    /**
     * Every path measured below runs once first on other data ({@code -Dbenchmark.warmup-mib}, default 256; 0 turns
     * it off): raw PUT and GET, tool upload, download through the service and direct. Without it the figures are
     * those of a service that was started a second ago: the JIT compiler took 40-50 % of the service's CPU during the
     * measured upload (async-profiler, 2026-11-27), which a service that has been running for a while does not pay.
     * Both sides are warmed alike, so the ratios compare steady states.
     */
    private void warmUp(int mib, int concurrency) throws Exception {
        int blocks = mib * 2;
        Path disk = dir.resolve("warm-up.raw");
        writeRandomDisk(disk, blocks);
        S3Server s3 = RegionTestResource.region().s3();
        String rawBucket = "bench-raw";
        if (!bucketClient().bucketExists(BucketExistsArgs.builder().bucket(rawBucket).build())) {
            bucketClient().makeBucket(MakeBucketArgs.builder().bucket(rawBucket).build());
        }
        BlockObjects raw = new BlockObjects(s3.endpoint(), s3.accessKey(), s3.secretKey(), "us-east-1", rawBucket, 64,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        BlockChecksum[] keys = new BlockChecksum[blocks];
        parallel(concurrency, blocks, i -> {
            byte[] data = read(disk, i);
            keys[i] = BlockChecksum.of(data);
            raw.put(keys[i], data);
        });
        parallel(concurrency, blocks, i -> assertEquals(BLOCK, raw.get(keys[i]).length));
        SnapshotEndpoint endpoint = new SnapshotEndpoint(serviceUrl, token(OWNER));
        Upload.Result up = Upload.run(endpoint, new Upload.Options(disk, null, "warm-up", concurrency,
                dir.resolve("warm-up-state"), null, null, 0));
        Path other = dir.resolve("warm-up-other.raw");
        writeRandomDisk(other, blocks);
        Upload.run(endpoint, new Upload.Options(other, null, "warm-up via service", concurrency,
                dir.resolve("warm-up-state-2"), null, null, 0, true));
        Files.delete(other);
        Path copy = dir.resolve("warm-up-copy.raw");
        Download.run(endpoint, up.snapshotId(), copy, concurrency, null, true);
        Files.delete(copy);
        Download.run(endpoint, up.snapshotId(), copy, concurrency, null);
        assertEquals(-1, Files.mismatch(disk, copy));
        Files.delete(copy);
        Files.delete(disk);
    }

    /** The packaged service, pointed at this JVM's Region (PostgreSQL, Kafka, S3 server), on a free port. */
    private Process startService(RegionTestResource.Region region, String jvmArgs) throws Exception {
        Path app = Path.of("target", "quarkus-app");
        Path jar = app.resolve("quarkus-run.jar");
        assertTrue(Files.exists(jar), "package the service first: ./mvnw -B -q package -pl snapshot-service -DskipTests");
        long packaged = Files.getLastModifiedTime(app.resolve("app").resolve("snapshot-service-0.1.0-SNAPSHOT.jar"))
                .toMillis();
        try (Stream<Path> classes = Files.walk(Path.of("target", "classes"))) {
            assertTrue(classes.filter(Files::isRegularFile).allMatch(f -> f.toFile().lastModified() <= packaged),
                    "target/quarkus-app is older than target/classes: package the service again");
        }
        S3Server s3 = region.s3();
        int port = FreePort.next();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmArgs.trim().split("\\s+")));
        command.addAll(List.of(
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Dquarkus.http.port=" + port,
                "-Dkafka.bootstrap.servers=" + region.kafka().bootstrapServers(),
                "-Dquarkus.datasource.jdbc.url=" + region.postgres().database("snapshot"),
                "-Dquarkus.datasource.username=" + PostgresServer.USER,
                "-Dquarkus.datasource.password=",
                "-Dmp.jwt.verify.publickey=" + region.tokens().publicKeyPem(),
                "-Dmp.jwt.verify.issuer=" + dev.imageregistry.infra.AccountTokens.ISSUER,
                "-Dquarkus.minio.host=" + s3.endpoint(),
                "-Dquarkus.minio.access-key=" + s3.accessKey(),
                "-Dquarkus.minio.secret-key=" + s3.secretKey(),
                "-Dimageregistry.blocks.bucket=" + BUCKET,
                "-jar", jar.toAbsolutePath().toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(Path.of("target", "benchmark-service.log").toFile()).start();
        serviceUrl = "http://localhost:" + port;
        Awaitility.await("the service is ready (see target/benchmark-service.log)").atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    assertTrue(process.isAlive(), "the service exited; see target/benchmark-service.log");
                    return status(serviceUrl + "/q/health/ready") == 200;
                });
        return process;
    }

    private String serviceUrl;

    private static int status(String url) {
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
            http.setConnectTimeout(1000);
            http.setReadTimeout(5000);
            int status = http.getResponseCode();
            http.disconnect();
            return status;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The process's peak resident set (VmHWM of /proc/<pid>/status), in KiB. */
    private static long peakRssKib(Process process) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmHWM for " + process.pid());
    }

    /**
     * CPU seconds used so far by: this JVM (tool and raw S3 client), the service, the S3 server, PostgreSQL.
     * Where the 2 cores go in each phase says what a throughput figure is made of.
     */
    private static double[] cpu(Process service) {
        double tester = cpuSeconds(ProcessHandle.current().pid());
        double s3 = 0;
        double postgres = 0;
        String regionDirectory = RegionTestResource.region().directory().toString();
        for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
            String cmd = p.info().commandLine().orElse("");
            if (p.pid() == service.pid() || !cmd.contains(regionDirectory)) {
                continue;
            }
            if (cmd.contains("s3proxy")) {
                s3 += cpuSeconds(p.pid());
            } else if (cmd.contains("postgres")) {
                // The postmaster (started with this Region's data directory) and its backends.
                postgres += cpuSeconds(p.pid());
                for (ProcessHandle backend : p.descendants().toList()) {
                    postgres += cpuSeconds(backend.pid());
                }
            }
        }
        return new double[] { tester, cpuSeconds(service.pid()), s3, postgres };
    }

    private static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks
        } catch (IOException | RuntimeException e) {
            return 0; // a process that just ended
        }
    }

    private static String cpuSpent(double[] before, double[] after) {
        return String.format(Locale.ROOT, "CPU s: test JVM %.1f, service %.1f, S3 server %.1f, PostgreSQL %.1f",
                after[0] - before[0], after[1] - before[1], after[2] - before[2], after[3] - before[3]);
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private void run(Process service, int mib, int blocks, int concurrency, Path disk, String serviceJvmArgs)
            throws Exception {
        double megabytes = blocks * (double) BLOCK / 1e6;

        // Raw baseline: the same blocks, same client settings as the service's block store, same concurrency.
        S3Server s3 = RegionTestResource.region().s3();
        String rawBucket = "bench-raw";
        if (!bucketClient().bucketExists(BucketExistsArgs.builder().bucket(rawBucket).build())) {
            bucketClient().makeBucket(MakeBucketArgs.builder().bucket(rawBucket).build());
        }
        BlockObjects raw = new BlockObjects(s3.endpoint(), s3.accessKey(), s3.secretKey(), "us-east-1", rawBucket, 64,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        BlockChecksum[] keys = new BlockChecksum[blocks];
        double loadBefore = load();
        double[] c0 = cpu(service);
        double rawPut = parallel(concurrency, blocks, i -> {
            byte[] data = read(disk, i);
            keys[i] = BlockChecksum.of(data);
            raw.put(keys[i], data);
        });
        double loadAfterRawPut = load();
        double[] c1 = cpu(service);
        double rawGet = parallel(concurrency, blocks, i -> assertEquals(BLOCK, raw.get(keys[i]).length));
        double loadAfterRawGet = load();

        SnapshotEndpoint endpoint = new SnapshotEndpoint(serviceUrl, token(OWNER));
        int objectsBefore = objectKeys().size();
        double[] c2 = cpu(service);
        // The tool's default: blocks PUT straight to S3 with requests the service signed.
        Upload.Result up = Upload.run(endpoint, new Upload.Options(disk, null, "benchmark", concurrency,
                dir.resolve("s1"), null, null, 0));
        int objectsAfterFirst = objectKeys().size();
        double loadAfterUpload = load();
        double[] c3 = cpu(service);
        assertEquals(blocks, up.blocksDirect(), "every block went straight to S3");
        // The raw PUT again (same keys, overwritten): the raw rate moves with the machine's load, so the upload is
        // reported against the raw PUT just before and just after it.
        double rawPutAfter = parallel(concurrency, blocks, i -> raw.put(keys[i], read(disk, i)));
        double loadAfterRawPutAfter = load();
        // --via-service (PutSnapshotBlock): other random blocks of the same size, so that none is stored already.
        Path otherDisk = dir.resolve("other.raw");
        writeRandomDisk(otherDisk, blocks);
        double[] c3a = cpu(service);
        Upload.Result viaService = Upload.run(endpoint, new Upload.Options(otherDisk, null, "benchmark via service",
                concurrency, dir.resolve("s3"), null, null, 0, true));
        double loadAfterViaService = load();
        double[] c3b = cpu(service);
        Files.delete(otherDisk);
        assertEquals(0, viaService.blocksDirect());
        Path copy = dir.resolve("copy.raw");
        Download.Result down = Download.run(endpoint, up.snapshotId(), copy, concurrency, null, true);
        double loadAfterDownload = load();
        double[] c4 = cpu(service);
        assertEquals(-1, Files.mismatch(disk, copy));
        assertEquals(0, down.blocksDirect());
        // Direct: presigned URLs listed by the service, blocks GET straight from the same S3 server, each verified
        // against its listed SHA-256. Measured between two raw GET runs, as the raw rate moves with the load.
        double loadBeforeDirect = load();
        double[] c6 = cpu(service);
        double rawGetBefore = parallel(concurrency, blocks, i -> assertEquals(BLOCK, raw.get(keys[i]).length));
        double loadAfterRawGetBefore = load();
        double[] c7 = cpu(service);
        Path directCopy = dir.resolve("direct.raw");
        Download.Result direct = Download.run(endpoint, up.snapshotId(), directCopy, concurrency, null);
        double loadAfterDirect = load();
        double[] c8 = cpu(service);
        double rawGetAfter = parallel(concurrency, blocks, i -> assertEquals(BLOCK, raw.get(keys[i]).length));
        double loadAfterRawGetAfter = load();
        double[] c9 = cpu(service);
        assertEquals(-1, Files.mismatch(disk, directCopy));
        assertEquals(blocks, direct.blocksDirect(), "every block was read straight from S3");
        Files.delete(directCopy);
        int objectsBeforeSecond = objectKeys().size();
        double[] c4b = cpu(service);
        Upload.Result again = Upload.run(endpoint, new Upload.Options(disk, null, "benchmark again", concurrency,
                dir.resolve("s2"), null, null, 0));
        double[] c5 = cpu(service);
        int newObjects = objectKeys().size() - objectsBeforeSecond;

        long serviceRss = peakRssKib(service);
        String report = String.format(Locale.ROOT, """
                benchmark: %d MiB (%d blocks of 512 KiB), concurrency %d, %d CPUs, load average %.1f at the start, after a warm-up of %d MiB on every path
                common pool parallelism of the raw S3 client's JVM: %d
                raw S3 PUT        %8.1f MB/s  (%.1f s)  load %.1f after
                tool upload       %8.1f MB/s  (%.1f s)  = %.0f%% of raw PUT (direct: blocks PUT straight to S3, signed by the service); %d blocks sent, %d new objects; load %.1f after
                raw S3 PUT (2)    %8.1f MB/s  (%.1f s)  load %.1f after; tool upload = %.0f%% of this one, %.0f%% of the mean of both raw PUTs
                upload via service %7.1f MB/s  (%.1f s)  = %.0f%% of raw PUT (--via-service: PutSnapshotBlock, other blocks of the same size); load %.1f after
                raw S3 GET        %8.1f MB/s  (%.1f s)  load %.1f after
                tool download     %8.1f MB/s  (%.1f s)  = %.0f%% of raw GET (through the service, verified, byte-identical); load %.1f after
                raw S3 GET (2)    %8.1f MB/s  (%.1f s)  load %.1f before, %.1f after
                direct download   %8.1f MB/s  (%.1f s)  = %.0f%% of the raw GET just before, %.0f%% of the one just after, %.0f%% of their mean (presigned URLs, verified, byte-identical); load %.1f after
                raw S3 GET (3)    %8.1f MB/s  (%.1f s)  load %.1f after
                second upload     %8.1f MB/s  (%.1f s)  new objects stored: %d
                service process (%s): peak RSS (VmHWM) %d MiB
                raw S3 PUT     %s
                tool upload    %s
                upload via service %s
                raw S3 GET     %s
                tool download  %s
                raw S3 GET (2) %s
                direct download %s
                raw S3 GET (3) %s
                second upload  %s
                """, mib, blocks, concurrency, Runtime.getRuntime().availableProcessors(), loadBefore,
                Integer.getInteger("benchmark.warmup-mib", 256),
                java.util.concurrent.ForkJoinPool.getCommonPoolParallelism(),
                megabytes / rawPut, rawPut, loadAfterRawPut,
                megabytes / up.seconds(), up.seconds(), 100 * rawPut / up.seconds(),
                up.blocksSent(), objectsAfterFirst - objectsBefore, loadAfterUpload,
                megabytes / rawPutAfter, rawPutAfter, loadAfterRawPutAfter, 100 * rawPutAfter / up.seconds(),
                100 * (rawPut + rawPutAfter) / 2 / up.seconds(),
                megabytes / viaService.seconds(), viaService.seconds(), 100 * rawPut / viaService.seconds(),
                loadAfterViaService,
                megabytes / rawGet, rawGet, loadAfterRawGet,
                megabytes / down.seconds(), down.seconds(), 100 * rawGet / down.seconds(), loadAfterDownload,
                megabytes / rawGetBefore, rawGetBefore, loadBeforeDirect, loadAfterRawGetBefore,
                megabytes / direct.seconds(), direct.seconds(), 100 * rawGetBefore / direct.seconds(),
                100 * rawGetAfter / direct.seconds(), 100 * (rawGetBefore + rawGetAfter) / 2 / direct.seconds(),
                loadAfterDirect,
                megabytes / rawGetAfter, rawGetAfter, loadAfterRawGetAfter,
                megabytes / again.seconds(), again.seconds(), newObjects, serviceJvmArgs, serviceRss >> 10,
                cpuSpent(c0, c1), cpuSpent(c2, c3), cpuSpent(c3a, c3b), cpuSpent(c1, c2), cpuSpent(c3b, c4), cpuSpent(c6, c7), cpuSpent(c7, c8),
                cpuSpent(c8, c9), cpuSpent(c4b, c5));
        System.out.println(report);
        Files.writeString(Path.of("target", "benchmark.txt"), report);
        assertEquals(0, newObjects, "a second upload of the same file stores no new objects");
        assertTrue(serviceRss < 512 * 1024, "the service's peak memory stays under 512 MiB");
    }

    interface BlockWork {
        void run(int index) throws Exception;
    }

    /** Seconds to run work over all block indexes with this many threads. */
    static double parallel(int threads, int blocks, BlockWork work) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> workers = new ArrayList<>();
        long started = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                int i;
                while (failures.isEmpty() && (i = next.getAndIncrement()) < blocks) {
                    try {
                        work.run(i);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertTrue(failures.isEmpty(), () -> failures.get(0).toString());
        return (System.nanoTime() - started) / 1e9;
    }

    static byte[] read(Path file, int index) throws IOException {
        byte[] data = new byte[BLOCK];
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(data);
            while (buffer.hasRemaining() && in.read(buffer, (long) index * BLOCK + buffer.position()) >= 0) {
                // until full
            }
        }
        return data;
    }
}
