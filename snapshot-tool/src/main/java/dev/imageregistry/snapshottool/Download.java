package dev.imageregistry.snapshottool;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Downloads a snapshot into a file: written blocks are fetched in parallel and verified against their checksum;
 * never-written blocks stay holes in a sparse file. The file gets the uploaded file's exact length when the
 * snapshot carries it (tag {@value Upload#SIZE_TAG}), else the whole volume.
 *
 * <p>By default blocks are read straight from the object store through the presigned URLs the service lists
 * after authorising the read (the bytes do not pass through the service); every block is checked against the
 * SHA-256 the service listed before it is written, so a damaged or replaced object fails the download instead of
 * landing in the file. A URL refused with 403 (expired during a long download) is replaced by a freshly signed
 * page of URLs. Via the service (GetSnapshotBlock) when asked, and for any block listed without a URL.
 */
public final class Download {
    private static final byte[] ZEROS = new byte[SnapshotEndpoint.BLOCK_SIZE];

    /** blocksDirect: how many blocks were read straight from the object store (the rest via the service). */
    public record Result(String snapshotId, long size, long blocks, double seconds, long blocksDirect) {
    }

    /** A block whose data does not match its listed checksum: never written to the file. */
    public static final class VerificationFailed extends RuntimeException {
        VerificationFailed(String message) {
            super(message);
        }
    }

    private Download() {
    }

    public static Result run(SnapshotEndpoint api, String snapshotId, Path target, int concurrency,
            PrintStream progressOut) throws IOException {
        return run(api, snapshotId, target, concurrency, progressOut, false);
    }

    public static Result run(SnapshotEndpoint api, String snapshotId, Path target, int concurrency,
            PrintStream progressOut, boolean viaService) throws IOException {
        long started = System.nanoTime();
        JsonNode snapshot = api.describe(snapshotId);
        long size = snapshot.path("VolumeSize").asLong() * Upload.GIB;
        for (JsonNode tag : snapshot.path("Tags")) {
            if (Upload.SIZE_TAG.equals(tag.path("Key").asText())) {
                size = Long.parseLong(tag.path("Value").asText());
            }
        }
        // The map first (one cheap call, no signing): the total and each block's checksum to verify against.
        List<SnapshotEndpoint.Block> blocks = api.listBlocks(snapshotId);
        DownloadUrls urls = new DownloadUrls(api, snapshotId, blocks);
        if (viaService) {
            urls.asListed();
        } else {
            Thread feeder = new Thread(urls::feed, "download-urls");
            feeder.setDaemon(true);
            feeder.start();
        }
        AtomicInteger direct = new AtomicInteger();
        try (RandomAccessFile sparse = new RandomAccessFile(target.toFile(), "rw")) {
            sparse.setLength(0);
            sparse.setLength(size);
        }
        long fileSize = size;
        AtomicInteger next = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        try (BlockFile file = BlockFile.open(target);
                Progress progress = new Progress("download " + snapshotId,
                        (long) blocks.size() * SnapshotEndpoint.BLOCK_SIZE, progressOut)) {
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                Thread worker = new Thread(() -> {
                    MessageDigest sha = Upload.sha256();
                    // One buffer per worker, reused for every block: no 512 KiB allocation per block.
                    byte[] data = new byte[SnapshotEndpoint.BLOCK_SIZE];
                    ByteBuffer aligned = file.newBuffer();
                    int i;
                    while (failure.get() == null && (i = next.getAndIncrement()) < blocks.size()) {
                        SnapshotEndpoint.Block block = blocks.get(i);
                        try {
                            String url = urls.get(i);
                            if (url != null) {
                                try {
                                    api.fetchDirect(url, data);
                                } catch (SnapshotEndpoint.UrlRefused expired) {
                                    // Expired during a long download (or refused): once more with a fresh URL.
                                    api.fetchDirect(urls.refresh(i, url), data);
                                }
                                String actual = Base64.getEncoder().encodeToString(sha.digest(data));
                                if (!actual.equals(block.checksum())) {
                                    throw new VerificationFailed("block " + block.index() + " read from the object "
                                            + "store does not match the SHA-256 the service listed for it (expected "
                                            + block.checksum() + ", got " + actual + "): the stored object is damaged "
                                            + "or was replaced; it was not written, and " + target + " is incomplete");
                                }
                                direct.incrementAndGet();
                            } else {
                                String checksum = api.getBlock(snapshotId, block, data);
                                String actual = Base64.getEncoder().encodeToString(sha.digest(data));
                                // Against the answer's checksum and the one the listing gave for this index.
                                if (!actual.equals(checksum)
                                        || (block.checksum() != null && !actual.equals(block.checksum()))) {
                                    throw new VerificationFailed("block " + block.index() + " failed verification "
                                            + "(expected " + block.checksum() + ", got " + actual + "); it was not "
                                            + "written, and " + target + " is incomplete");
                                }
                            }
                            long offset = (long) block.index() * SnapshotEndpoint.BLOCK_SIZE;
                            int length = (int) Math.min(SnapshotEndpoint.BLOCK_SIZE, fileSize - offset);
                            if (length > 0 && !Arrays.equals(data, ZEROS)) {
                                file.write(data, length, offset, aligned);
                            }
                            progress.advance(SnapshotEndpoint.BLOCK_SIZE, true);
                        } catch (IOException e) {
                            failure.compareAndSet(null, new IllegalStateException(e));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            failure.compareAndSet(null, new IllegalStateException("interrupted", e));
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
        urls.stop();
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Result(snapshotId, size, blocks.size(), (System.nanoTime() - started) / 1e9, direct.get());
    }

    /**
     * The current download URL of each listed block (by position in the listing, which is in index order).
     * {@link #feed()} (its own thread) asks the service for signed URLs page by page, ahead of the workers, so that
     * downloading starts after a first small page instead of after every URL of the snapshot was signed, and later
     * pages are signed close to when they are used. A refused URL is replaced, together with the rest of its page,
     * by one fresh listing from that block on: one service call per page of expired URLs, not per block.
     */
    static final class DownloadUrls {
        private static final int FIRST_PAGE = 100;
        private static final int PAGE = 1000;

        private final SnapshotEndpoint api;
        private final String snapshotId;
        private final List<SnapshotEndpoint.Block> blocks;
        private final AtomicReferenceArray<String> urls;
        private final Map<Integer, Integer> positionOfIndex = new HashMap<>();
        /** Positions below this have had their page of URLs asked for. */
        private int covered;
        private RuntimeException feedFailure;
        private volatile boolean stopped;

        DownloadUrls(SnapshotEndpoint api, String snapshotId, List<SnapshotEndpoint.Block> blocks) {
            this.api = api;
            this.snapshotId = snapshotId;
            this.blocks = blocks;
            this.urls = new AtomicReferenceArray<>(blocks.size());
            for (int p = 0; p < blocks.size(); p++) {
                urls.set(p, blocks.get(p).downloadUrl());
                positionOfIndex.put(blocks.get(p).index(), p);
            }
        }

        /** Only the URLs the listing carried (none without WithDownloadUrls: every block via the service). */
        synchronized void asListed() {
            covered = blocks.size();
            notifyAll();
        }

        /** Asks for every page of URLs in order; returns when all are in (or the listing failed). */
        void feed() {
            try {
                int position = 0;
                int page = FIRST_PAGE;
                while (position < blocks.size() && !stopped) {
                    List<SnapshotEndpoint.Block> fresh = api.blocksWithFreshUrls(snapshotId,
                            blocks.get(position).index(), page);
                    int next = fresh.isEmpty() ? blocks.size() : after(fresh.get(fresh.size() - 1).index());
                    synchronized (this) {
                        apply(fresh);
                        covered = Math.max(covered, Math.max(next, position + 1));
                        position = covered;
                        notifyAll();
                    }
                    page = PAGE;
                }
            } catch (RuntimeException e) {
                synchronized (this) {
                    feedFailure = e;
                    notifyAll();
                }
            }
        }

        /** The download ended (done or failed): no more pages. */
        void stop() {
            stopped = true;
        }

        /** The first position whose block index is greater than this index. */
        private int after(int index) {
            int low = 0;
            int high = blocks.size();
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (blocks.get(mid).index() <= index) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }

        /** The block's URL once its page was listed; null when the service gave none (read via the service). */
        String get(int position) throws InterruptedException {
            synchronized (this) {
                while (covered <= position) {
                    if (feedFailure != null) {
                        throw new IllegalStateException("listing download URLs failed: " + feedFailure.getMessage(),
                                feedFailure);
                    }
                    wait();
                }
            }
            return urls.get(position);
        }

        private void apply(List<SnapshotEndpoint.Block> fresh) {
            for (SnapshotEndpoint.Block block : fresh) {
                Integer p = positionOfIndex.get(block.index());
                if (p == null || block.downloadUrl() == null) {
                    continue; // written after the map was listed, or a service that gives no URLs
                }
                if (!blocks.get(p).checksum().equals(block.checksum())) {
                    throw new IllegalStateException("the snapshot's block " + block.index()
                            + " changed during the download");
                }
                urls.set(p, block.downloadUrl());
            }
        }

        /** A fresh URL for the block at this position; another worker may already have refreshed it. */
        synchronized String refresh(int position, String refused) {
            if (!refused.equals(urls.get(position))) {
                return urls.get(position);
            }
            apply(api.blocksWithFreshUrls(snapshotId, blocks.get(position).index(), PAGE));
            if (refused.equals(urls.get(position))) {
                throw new IllegalStateException("no fresh download URL for block " + blocks.get(position).index());
            }
            return urls.get(position);
        }
    }
}
