package dev.imageregistry.snapshottool;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download's file writer: whole blocks with direct I/O where the file system takes it, the partial last block
 * and file systems without direct I/O through the page cache; the bytes on disk are the same either way.
 */
class BlockFileTest {
    private static final int BLOCK = SnapshotEndpoint.BLOCK_SIZE;

    @TempDir
    Path dir;

    @Test
    void writesWholeBlocksDirectlyAndThePartialLastBlockThroughThePageCache() throws IOException {
        // ext4 here (the machine's disk): O_DIRECT is available, and the test checks it was used.
        writeAndCheck(dir.resolve("disk.raw"), true);
    }

    /**
     * The page-cache path, which file systems without direct I/O take (this machine's ext4 and tmpfs both take
     * O_DIRECT, so the refusal itself is not reproduced here).
     */
    @Test
    void writesTheSameBytesThroughThePageCache() throws IOException {
        writeAndCheck(dir.resolve("disk.raw"), false);
    }

    /** Blocks 0 and 2 of 3, block 1 a hole, the last one 1000 bytes short of a block. */
    private static void writeAndCheck(Path file, boolean expectDirect) throws IOException {
        long size = 3L * BLOCK - 1000;
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(size);
        }
        byte[] first = random(1);
        byte[] last = random(2);
        try (BlockFile out = BlockFile.open(file, expectDirect)) {
            assertEquals(expectDirect, out.direct(), "direct I/O on " + Files.getFileStore(file).type());
            ByteBuffer scratch = out.newBuffer();
            out.write(first, BLOCK, 0, scratch);
            out.write(last, BLOCK - 1000, 2L * BLOCK, scratch);
            // A failed direct write would have switched to the page cache: it must still be direct.
            assertEquals(expectDirect, out.direct());
        }
        byte[] written = Files.readAllBytes(file);
        assertEquals(size, written.length);
        byte[] expected = new byte[(int) size];
        System.arraycopy(first, 0, expected, 0, BLOCK);
        System.arraycopy(last, 0, expected, 2 * BLOCK, BLOCK - 1000);
        assertArrayEquals(expected, written);
    }

    private static byte[] random(long seed) {
        byte[] data = new byte[BLOCK];
        new Random(seed).nextBytes(data);
        return data;
    }
}
