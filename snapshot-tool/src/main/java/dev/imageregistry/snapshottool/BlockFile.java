package dev.imageregistry.snapshottool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.sun.nio.file.ExtendedOpenOption;

/**
 * The file a download writes its blocks into, at their offsets, from several workers at once.
 *
 * <p>Whole blocks are written with direct I/O (O_DIRECT) where the file system takes it: the bytes go from the
 * worker's aligned buffer to the disk without passing through the page cache. A downloaded disk image is written
 * once and not read back soon, and filling the page cache with it costs the writer the kernel's page allocation and
 * copying, and evicts whatever the machine had cached. Measured on the 2-core benchmark VM, 1 GiB written through the
 * page cache cost 0.26 CPU s when the kernel could reuse recently freed pages but 1.9-2.8 CPU s when it had to hand out
 * memory the VM had not touched yet (what a fresh download of several GiB does), and took 73 % of the download
 * workers' CPU; with O_DIRECT, 0.2-0.24 CPU s, at 1.3-1.5 GB/s with 8 writers.
 *
 * <p>The last block of a file whose length is not a multiple of the file system's block size, and every block on a
 * file system that refuses direct I/O (some network and FUSE file systems; tmpfs before Linux 6.6), goes through
 * the page cache as before.
 */
final class BlockFile implements Closeable {
    private final FileChannel buffered;
    private final FileChannel direct;
    private final int alignment;
    private volatile boolean directWorks;

    private BlockFile(FileChannel buffered, FileChannel direct, int alignment) {
        this.buffered = buffered;
        this.direct = direct;
        this.alignment = alignment;
        this.directWorks = direct != null;
    }

    /** Opens an existing file (already sized) for writing, with direct I/O where the file system takes it. */
    static BlockFile open(Path target) throws IOException {
        return open(target, true);
    }

    /** As {@link #open(Path)}; without direct I/O at all when {@code tryDirect} is false. */
    static BlockFile open(Path target, boolean tryDirect) throws IOException {
        FileChannel buffered = FileChannel.open(target, StandardOpenOption.WRITE);
        int alignment = 4096;
        FileChannel direct = null;
        try {
            alignment = (int) Math.max(alignment, Files.getFileStore(target).getBlockSize());
            if (tryDirect && SnapshotEndpoint.BLOCK_SIZE % alignment == 0) {
                direct = FileChannel.open(target, new OpenOption[] { StandardOpenOption.WRITE,
                        ExtendedOpenOption.DIRECT });
            }
        } catch (IOException | UnsupportedOperationException e) {
            // No direct I/O here (EINVAL from the file system, or a JDK without it): the page cache it is.
            direct = null;
        }
        return new BlockFile(buffered, direct, alignment);
    }

    /** A buffer for {@link #write}: one per worker, reused for every block. */
    ByteBuffer newBuffer() {
        return ByteBuffer.allocateDirect(SnapshotEndpoint.BLOCK_SIZE + alignment).alignedSlice(alignment);
    }

    /** True when whole blocks bypass the page cache. */
    boolean direct() {
        return directWorks;
    }

    /** Writes {@code length} bytes of {@code data} at {@code offset}; {@code scratch} comes from {@link #newBuffer}. */
    void write(byte[] data, int length, long offset, ByteBuffer scratch) throws IOException {
        if (directWorks && length == SnapshotEndpoint.BLOCK_SIZE && offset % alignment == 0) {
            scratch.clear();
            scratch.put(data, 0, length).flip();
            try {
                while (scratch.hasRemaining()) {
                    direct.write(scratch, offset + scratch.position());
                }
                return;
            } catch (IOException e) {
                // Some file systems open with O_DIRECT and refuse the write (EINVAL): from now on the page cache.
                // A real I/O error fails again just below, where it is reported.
                directWorks = false;
            }
        }
        ByteBuffer buffer = ByteBuffer.wrap(data, 0, length);
        while (buffer.hasRemaining()) {
            buffered.write(buffer, offset + buffer.position());
        }
    }

    @Override
    public void close() throws IOException {
        try (buffered) {
            if (direct != null) {
                direct.close();
            }
        }
    }
}
