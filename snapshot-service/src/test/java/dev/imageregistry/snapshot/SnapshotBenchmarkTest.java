package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.S3Server;
import dev.imageregistry.snapshot.blocks.BlockChecksum;
import dev.imageregistry.snapshot.blocks.BlockObjects;
import dev.imageregistry.snapshottool.Download;
import dev.imageregistry.snapshottool.SnapshotEndpoint;
import dev.imageregistry.snapshottool.Upload;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Not part of the default run. Uploads and downloads 1 GiB through the tool and the service, beside plain S3
 * PUTs/GETs of the same 512 KiB blocks at the same concurrency against the same S3 server, then uploads the same
 * file again (0 new objects expected). Run:
 * {@code ./mvnw -B -q test -pl snapshot-service -Dtest=SnapshotBenchmarkTest -Dbenchmark=true}
 * (-Dbenchmark.mib=1024 -Dbenchmark.concurrency=8 to change the size and concurrency).
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class SnapshotBenchmarkTest {
    @TestHTTPResource("/")
    URL service;

    @TempDir
    Path dir;

    @Test
    void uploadAndDownloadBesideRawS3() throws Exception {
        int mib = Integer.getInteger("benchmark.mib", 1024);
        int concurrency = Integer.getInteger("benchmark.concurrency", 8);
        Path disk = dir.resolve("bench.raw");
        int blocks = mib * 2;
        try (FileChannel out = FileChannel.open(disk, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (int i = 0; i < blocks; i++) {
                out.write(java.nio.ByteBuffer.wrap(block(System.nanoTime() ^ i)));
            }
        }
        double megabytes = blocks * (double) BLOCK / 1e6;

        // Raw baseline: the same blocks, same client settings as the service's block store, same concurrency.
        S3Server s3 = RegionTestResource.region().s3();
        String rawBucket = "bench-raw";
        if (!bucketClient().bucketExists(BucketExistsArgs.builder().bucket(rawBucket).build())) {
            bucketClient().makeBucket(MakeBucketArgs.builder().bucket(rawBucket).build());
        }
        BlockObjects raw = new BlockObjects(s3.endpoint(), s3.accessKey(), s3.secretKey(), "us-east-1", rawBucket, 64);
        BlockChecksum[] keys = new BlockChecksum[blocks];
        double rawPut = parallel(concurrency, blocks, i -> {
            byte[] data = read(disk, i);
            keys[i] = BlockChecksum.of(data);
            raw.put(keys[i], data);
        });
        double rawGet = parallel(concurrency, blocks, i -> assertEquals(BLOCK, raw.get(keys[i]).length));

        SnapshotEndpoint endpoint = new SnapshotEndpoint(service.toString(), token(OWNER));
        int objectsBefore = objectKeys().size();
        Upload.Result up = Upload.run(endpoint, new Upload.Options(disk, null, "benchmark", concurrency,
                dir.resolve("s1"), null, null, 0));
        int objectsAfterFirst = objectKeys().size();
        Path copy = dir.resolve("copy.raw");
        Download.Result down = Download.run(endpoint, up.snapshotId(), copy, concurrency, null);
        assertEquals(-1, Files.mismatch(disk, copy));
        Upload.Result again = Upload.run(endpoint, new Upload.Options(disk, null, "benchmark again", concurrency,
                dir.resolve("s2"), null, null, 0));
        int newObjects = objectKeys().size() - objectsAfterFirst;

        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        String report = String.format(Locale.ROOT, """
                benchmark: %d MiB (%d blocks of 512 KiB), concurrency %d, %d CPUs, load average %.1f
                raw S3 PUT        %8.1f MB/s  (%.1f s)
                tool upload       %8.1f MB/s  (%.1f s)  = %.0f%% of raw PUT; %d blocks sent, %d new objects
                raw S3 GET        %8.1f MB/s  (%.1f s)
                tool download     %8.1f MB/s  (%.1f s)  = %.0f%% of raw GET (verified, byte-identical)
                second upload     %8.1f MB/s  (%.1f s)  new objects stored: %d
                peak heap of the test JVM (service + tool + S3 baseline client): %d MiB
                """, mib, blocks, concurrency, Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                megabytes / rawPut, rawPut, megabytes / up.seconds(), up.seconds(), 100 * rawPut / up.seconds(),
                up.blocksSent(), objectsAfterFirst - objectsBefore,
                megabytes / rawGet, rawGet, megabytes / down.seconds(), down.seconds(), 100 * rawGet / down.seconds(),
                megabytes / again.seconds(), again.seconds(), newObjects, peakHeap >> 20);
        System.out.println(report);
        Files.writeString(Path.of("target", "benchmark.txt"), report);
        assertEquals(0, newObjects, "a second upload of the same file stores no new objects");
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
