package dev.imageregistry.snapshottool;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Downloads a snapshot into a file: written blocks are fetched in parallel and verified against their checksum;
 * never-written blocks stay holes in a sparse file. The file gets the uploaded file's exact length when the
 * snapshot carries it (tag {@value Upload#SIZE_TAG}), else the whole volume.
 */
public final class Download {
    private static final byte[] ZEROS = new byte[SnapshotEndpoint.BLOCK_SIZE];

    public record Result(String snapshotId, long size, long blocks, double seconds) {
    }

    private Download() {
    }

    public static Result run(SnapshotEndpoint api, String snapshotId, Path target, int concurrency,
            PrintStream progressOut) throws IOException {
        long started = System.nanoTime();
        JsonNode snapshot = api.describe(snapshotId);
        long size = snapshot.path("VolumeSize").asLong() * Upload.GIB;
        for (JsonNode tag : snapshot.path("Tags")) {
            if (Upload.SIZE_TAG.equals(tag.path("Key").asText())) {
                size = Long.parseLong(tag.path("Value").asText());
            }
        }
        List<SnapshotEndpoint.Block> blocks = api.listBlocks(snapshotId);
        try (RandomAccessFile sparse = new RandomAccessFile(target.toFile(), "rw")) {
            sparse.setLength(0);
            sparse.setLength(size);
        }
        long fileSize = size;
        AtomicInteger next = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        try (FileChannel file = FileChannel.open(target, StandardOpenOption.WRITE);
                Progress progress = new Progress("download " + snapshotId,
                        (long) blocks.size() * SnapshotEndpoint.BLOCK_SIZE, progressOut)) {
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                Thread worker = new Thread(() -> {
                    MessageDigest sha = Upload.sha256();
                    // One buffer per worker, reused for every block: no 512 KiB allocation per block.
                    byte[] data = new byte[SnapshotEndpoint.BLOCK_SIZE];
                    int i;
                    while (failure.get() == null && (i = next.getAndIncrement()) < blocks.size()) {
                        SnapshotEndpoint.Block block = blocks.get(i);
                        try {
                            String checksum = api.getBlock(snapshotId, block, data);
                            String actual = Base64.getEncoder().encodeToString(sha.digest(data));
                            // Against the answer's checksum and the one the listing gave for this index.
                            if (!actual.equals(checksum)
                                    || (block.checksum() != null && !actual.equals(block.checksum()))) {
                                throw new IllegalStateException("block " + block.index() + " failed verification");
                            }
                            long offset = (long) block.index() * SnapshotEndpoint.BLOCK_SIZE;
                            int length = (int) Math.min(SnapshotEndpoint.BLOCK_SIZE, fileSize - offset);
                            if (length > 0 && !Arrays.equals(data, ZEROS)) {
                                ByteBuffer buffer = ByteBuffer.wrap(data, 0, length);
                                while (buffer.hasRemaining()) {
                                    file.write(buffer, offset + buffer.position());
                                }
                            }
                            progress.advance(SnapshotEndpoint.BLOCK_SIZE, true);
                        } catch (IOException e) {
                            failure.compareAndSet(null, new IllegalStateException(e));
                        } catch (RuntimeException e) {
                            failure.compareAndSet(null, e);
                        }
                    }
                }, "download-" + w);
                worker.start();
                workers.add(worker);
            }
            for (Thread worker : workers) {
                worker.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Result(snapshotId, size, blocks.size(), (System.nanoTime() - started) / 1e9);
    }
}
