package dev.imageregistry.snapshottool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Uploads a raw disk image as a snapshot: blocks of zeros are not sent (they read back as zeros), nor blocks equal
 * to the parent's; the rest go in parallel. Progress is kept in a state file so an interrupted upload resumes.
 */
public final class Upload {
    static final long GIB = 1L << 30;
    /** The tag that remembers the file's exact length, so a download is byte-identical (volumes are whole GiB). */
    public static final String SIZE_TAG = "imageregistry:source-bytes";
    private static final byte[] ZEROS = new byte[SnapshotEndpoint.BLOCK_SIZE];

    public record Options(Path file, String parentSnapshotId, String description, int concurrency, Path stateFile,
            Integer volumeSize, PrintStream progress, long stopAfterBlocks) {
    }

    public record Result(String snapshotId, String status, long blocksSent, long blocksSkipped, long blocksResumed,
            double seconds) {
    }

    /** Thrown when --stop-after-blocks ends a run early (as an interruption would), leaving the state file. */
    public static final class Stopped extends RuntimeException {
        Stopped(long blocks) {
            super("stopped after " + blocks + " blocks; run again to resume");
        }
    }

    private Upload() {
    }

    public static Result run(SnapshotEndpoint api, Options o) throws IOException {
        long started = System.nanoTime();
        try (FileChannel file = FileChannel.open(o.file(), StandardOpenOption.READ)) {
            long size = file.size();
            int blocks = (int) ((size + SnapshotEndpoint.BLOCK_SIZE - 1) / SnapshotEndpoint.BLOCK_SIZE);
            Map<Integer, String> parentBlocks = new HashMap<>();
            int volume = (int) Math.max(1, (size + GIB - 1) / GIB);
            if (o.parentSnapshotId() != null) {
                volume = Math.max(volume, api.describe(o.parentSnapshotId()).path("VolumeSize").asInt());
                api.listBlocks(o.parentSnapshotId()).forEach(b -> parentBlocks.put(b.index(), b.checksum()));
            }
            if (o.volumeSize() != null) {
                if (o.volumeSize() < volume) {
                    throw new IllegalArgumentException("--volume-size must be at least " + volume + " GiB");
                }
                volume = o.volumeSize();
            }
            Path statePath = o.stateFile() != null ? o.stateFile()
                    : o.file().resolveSibling(o.file().getFileName() + ".upload-state");
            UploadState state = UploadState.resume(statePath, o.file(), size, o.parentSnapshotId());
            long resumed = state == null ? 0 : state.written().size();
            if (state == null) {
                String snapshotId = api.startSnapshot(volume, o.parentSnapshotId(), o.description(),
                        Map.of(SIZE_TAG, Long.toString(size)), UUID.randomUUID().toString()).path("SnapshotId").asText();
                state = UploadState.create(statePath, snapshotId, o.file(), size, o.parentSnapshotId());
            }
            String snapshotId = state.snapshotId();
            AtomicInteger next = new AtomicInteger();
            AtomicLong sent = new AtomicLong();
            AtomicLong skipped = new AtomicLong();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            UploadState log = state;
            try (Progress progress = new Progress("upload " + snapshotId, size, o.progress())) {
                List<Thread> workers = new ArrayList<>();
                for (int w = 0; w < o.concurrency(); w++) {
                    Thread worker = new Thread(() -> {
                        byte[] block = new byte[SnapshotEndpoint.BLOCK_SIZE];
                        MessageDigest sha = sha256();
                        int index;
                        while (failure.get() == null && (index = next.getAndIncrement()) < blocks) {
                            long offset = (long) index * SnapshotEndpoint.BLOCK_SIZE;
                            long length = Math.min(SnapshotEndpoint.BLOCK_SIZE, size - offset);
                            try {
                                if (log.done(index)) {
                                    progress.advance(length, false);
                                    continue;
                                }
                                read(file, block, offset);
                                String parentChecksum = parentBlocks.get(index);
                                if (parentChecksum == null && Arrays.equals(block, ZEROS)) {
                                    skipped.incrementAndGet();
                                    progress.advance(length, false);
                                    continue;
                                }
                                String checksum = Base64.getEncoder().encodeToString(sha.digest(block));
                                if (checksum.equals(parentChecksum)) {
                                    skipped.incrementAndGet();
                                    progress.advance(length, false);
                                    continue;
                                }
                                if (o.stopAfterBlocks() > 0 && sent.get() >= o.stopAfterBlocks()) {
                                    throw new Stopped(sent.get());
                                }
                                api.putBlock(snapshotId, index, block, checksum);
                                log.record(index, checksum);
                                sent.incrementAndGet();
                                progress.advance(length, true);
                            } catch (IOException e) {
                                failure.compareAndSet(null, new IllegalStateException(e));
                            } catch (RuntimeException e) {
                                failure.compareAndSet(null, e);
                            }
                        }
                    }, "upload-" + w);
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
                state.close();
                throw failure.get();
            }
            MessageDigest aggregate = sha256();
            state.written().values().forEach(c -> aggregate.update(Base64.getDecoder().decode(c)));
            String status = api.complete(snapshotId, state.written().size(),
                    Base64.getEncoder().encodeToString(aggregate.digest()));
            if ("completed".equals(status)) {
                state.finish();
            } else {
                state.close();
            }
            return new Result(snapshotId, status, sent.get(), skipped.get(), resumed,
                    (System.nanoTime() - started) / 1e9);
        }
    }

    /** Reads a whole block at offset; past the end of the file the block is zeros. */
    static void read(FileChannel file, byte[] block, long offset) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(block);
        while (buffer.hasRemaining()) {
            int n = file.read(buffer, offset + buffer.position());
            if (n < 0) {
                Arrays.fill(block, buffer.position(), block.length, (byte) 0);
                return;
            }
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
