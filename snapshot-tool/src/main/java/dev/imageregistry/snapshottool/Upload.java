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
 *
 * <p>By default blocks go straight to the object store (direct upload): each worker hashes a run of
 * {@value #BATCH} blocks, asks the service for their uploads (one call: blocks the bucket already holds come back
 * Stored, the others with an S3 PUT the service signed for exactly that SHA-256), PUTs the blocks with those
 * requests, and references the run (one call; the service checks the bucket before it believes it). The bytes do
 * not pass through the service, and the bearer token never goes to the object store. With {@code viaService}
 * every block is sent to the service (PutSnapshotBlock), for clients that cannot reach the bucket's endpoint.
 */
public final class Upload {
    static final long GIB = 1L << 30;
    /** The tag that remembers the file's exact length, so a download is byte-identical (volumes are whole GiB). */
    public static final String SIZE_TAG = "imageregistry:source-bytes";
    private static final byte[] ZEROS = new byte[SnapshotEndpoint.BLOCK_SIZE];
    /**
     * Blocks per block-uploads/block-references call of a direct upload (the service takes up to 100): two service
     * calls per 16 MiB instead of one per block, and runs small enough that 8 workers share a 1 GiB file evenly.
     * While one worker waits for the service, the others keep the object store busy.
     */
    static final int BATCH = 32;

    public record Options(Path file, String parentSnapshotId, String description, int concurrency, Path stateFile,
            Integer volumeSize, PrintStream progress, long stopAfterBlocks, boolean viaService) {
        /** A direct upload (the default). */
        public Options(Path file, String parentSnapshotId, String description, int concurrency, Path stateFile,
                Integer volumeSize, PrintStream progress, long stopAfterBlocks) {
            this(file, parentSnapshotId, description, concurrency, stateFile, volumeSize, progress, stopAfterBlocks,
                    false);
        }
    }

    /**
     * blocksSent: blocks written into the snapshot by this run; of those, blocksDirect had their data PUT straight
     * to the object store, and blocksAlreadyStored needed no data at all (the bucket held that content already).
     * Via the service both are 0: every block's data went to the service.
     */
    public record Result(String snapshotId, String status, long blocksSent, long blocksSkipped, long blocksResumed,
            double seconds, long blocksDirect, long blocksAlreadyStored) {
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
            Counters counters = new Counters();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            try (Progress progress = new Progress("upload " + snapshotId, size, o.progress())) {
                Blocks source = new Blocks(file, size, blocks, parentBlocks, state, o.stopAfterBlocks(), counters,
                        progress);
                AtomicInteger next = new AtomicInteger();
                List<Thread> workers = new ArrayList<>();
                for (int w = 0; w < o.concurrency(); w++) {
                    Thread worker = new Thread(() -> {
                        try {
                            if (o.viaService()) {
                                viaService(api, snapshotId, source, next, failure);
                            } else {
                                direct(api, snapshotId, source, next, failure);
                            }
                        } catch (IOException e) {
                            failure.compareAndSet(null, new IllegalStateException(e));
                        } catch (RuntimeException e) {
                            failure.compareAndSet(null, e);
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
            return new Result(snapshotId, status, counters.sent.get(), counters.skipped.get(), resumed,
                    (System.nanoTime() - started) / 1e9, counters.direct.get(), counters.alreadyStored.get());
        }
    }

    private static final class Counters {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final AtomicLong direct = new AtomicLong();
        final AtomicLong alreadyStored = new AtomicLong();
    }

    /** The file's blocks, what decides whether one is sent at all, and the run's bookkeeping. */
    private record Blocks(FileChannel file, long size, int count, Map<Integer, String> parent, UploadState log,
            long stopAfterBlocks, Counters counters, Progress progress) {
        long length(int index) {
            return Math.min(SnapshotEndpoint.BLOCK_SIZE, size - (long) index * SnapshotEndpoint.BLOCK_SIZE);
        }

        /**
         * Reads and hashes the block into {@code block}: its base64 SHA-256 when it is to be sent; null (after
         * counting it) when it is done already, all zeros where the parent has nothing, or equal to the parent's.
         */
        String toSend(int index, byte[] block, MessageDigest sha) throws IOException {
            if (log.done(index)) {
                progress.advance(length(index), false);
                return null;
            }
            read(file, block, (long) index * SnapshotEndpoint.BLOCK_SIZE);
            String parentChecksum = parent.get(index);
            if (parentChecksum == null && Arrays.equals(block, ZEROS)) {
                counters.skipped.incrementAndGet();
                progress.advance(length(index), false);
                return null;
            }
            String checksum = Base64.getEncoder().encodeToString(sha.digest(block));
            if (checksum.equals(parentChecksum)) {
                counters.skipped.incrementAndGet();
                progress.advance(length(index), false);
                return null;
            }
            return checksum;
        }

        /** --stop-after-blocks: as if the tool were interrupted once this many blocks were on their way. */
        boolean stopNow() {
            return stopAfterBlocks > 0 && counters.sent.get() >= stopAfterBlocks;
        }
    }

    /** Every block through the service (PutSnapshotBlock), one at a time per worker. */
    private static void viaService(SnapshotEndpoint api, String snapshotId, Blocks source, AtomicInteger next,
            AtomicReference<RuntimeException> failure) throws IOException {
        byte[] block = new byte[SnapshotEndpoint.BLOCK_SIZE];
        MessageDigest sha = sha256();
        int index;
        while (failure.get() == null && (index = next.getAndIncrement()) < source.count()) {
            String checksum = source.toSend(index, block, sha);
            if (checksum == null) {
                continue;
            }
            if (source.stopNow()) {
                throw new Stopped(source.counters().sent.get());
            }
            api.putBlock(snapshotId, index, block, checksum);
            source.log().record(index, checksum);
            source.counters().sent.incrementAndGet();
            source.progress().advance(source.length(index), true);
        }
    }

    /**
     * Direct upload, a run of {@value #BATCH} blocks at a time per worker. Blocks are hashed once and read again
     * from the file for their PUT (from the page cache: cheaper than holding a run in memory). A block goes into the
     * state file only once the service has referenced it.
     */
    private static void direct(SnapshotEndpoint api, String snapshotId, Blocks source, AtomicInteger next,
            AtomicReference<RuntimeException> failure) throws IOException {
        byte[] block = new byte[SnapshotEndpoint.BLOCK_SIZE];
        MessageDigest sha = sha256();
        int run;
        while (failure.get() == null && (long) (run = next.getAndIncrement()) * BATCH < source.count()) {
            List<SnapshotEndpoint.BlockRef> toSend = new ArrayList<>();
            int end = (int) Math.min(source.count(), (long) (run + 1) * BATCH);
            for (int index = run * BATCH; index < end; index++) {
                String checksum = source.toSend(index, block, sha);
                if (checksum != null) {
                    toSend.add(new SnapshotEndpoint.BlockRef(index, checksum));
                }
            }
            if (!toSend.isEmpty()) {
                sendDirect(api, snapshotId, source, toSend, block);
            }
        }
    }

    private static void sendDirect(SnapshotEndpoint api, String snapshotId, Blocks source,
            List<SnapshotEndpoint.BlockRef> toSend, byte[] block) throws IOException {
        Counters counters = source.counters();
        for (int attempt = 1;; attempt++) {
            List<SnapshotEndpoint.BlockUpload> uploads = api.blockUploads(snapshotId, toSend);
            List<SnapshotEndpoint.BlockRef> done = new ArrayList<>();
            long direct = 0;
            long alreadyStored = 0;
            boolean stopped = false;
            for (int i = 0; i < uploads.size(); i++) {
                SnapshotEndpoint.BlockRef ref = toSend.get(i);
                SnapshotEndpoint.BlockUpload upload = uploads.get(i);
                if (upload.index() != ref.index() || !upload.checksum().equals(ref.checksum())) {
                    throw new IllegalStateException("the service answered for block " + upload.index()
                            + " where block " + ref.index() + " was asked for");
                }
                if (attempt == 1 && source.stopNow()) {
                    stopped = true;
                    break;
                }
                if (upload.stored()) {
                    alreadyStored++;
                } else {
                    putDirect(api, snapshotId, source, ref, upload, block);
                    direct++;
                }
                done.add(ref);
                if (attempt == 1) {
                    counters.sent.incrementAndGet();
                    source.progress().advance(source.length(ref.index()), true);
                }
            }
            if (!done.isEmpty()) {
                try {
                    api.referenceBlocks(snapshotId, done);
                } catch (SnapshotEndpoint.Refused e) {
                    if (!SnapshotEndpoint.NOT_UPLOADED.equals(e.code) || attempt >= 3) {
                        throw e;
                    }
                    // The bucket lost a block between its PUT (or its Stored answer) and the reference, e.g. to
                    // garbage collection after a stall past the grace window: ask again and send what is missing.
                    toSend = done;
                    continue;
                }
                counters.direct.addAndGet(direct);
                counters.alreadyStored.addAndGet(alreadyStored);
                done.forEach(ref -> source.log().record(ref.index(), ref.checksum()));
            }
            if (stopped) {
                throw new Stopped(counters.sent.get());
            }
            return;
        }
    }

    /** Reads the block again and PUTs it; a signed request S3 refuses (too old: a long stall) is signed anew once. */
    private static void putDirect(SnapshotEndpoint api, String snapshotId, Blocks source,
            SnapshotEndpoint.BlockRef ref, SnapshotEndpoint.BlockUpload upload, byte[] block) throws IOException {
        read(source.file(), block, (long) ref.index() * SnapshotEndpoint.BLOCK_SIZE);
        try {
            api.putDirect(upload, block);
        } catch (SnapshotEndpoint.UrlRefused refused) {
            SnapshotEndpoint.BlockUpload fresh = api.blockUploads(snapshotId, List.of(ref)).get(0);
            if (!fresh.stored()) {
                api.putDirect(fresh, block);
            }
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
