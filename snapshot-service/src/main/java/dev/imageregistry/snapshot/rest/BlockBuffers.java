package dev.imageregistry.snapshot.rest;

import java.util.concurrent.ArrayBlockingQueue;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.snapshot.domain.BlockChecksum;

/**
 * Block-sized arrays for incoming block bodies, handed back when the write is done. With the service's small heap
 * (256 MiB, 1 MiB G1 regions) every 512 KiB array is a humongous allocation that takes a region of its own, is
 * zeroed first and makes G1 start concurrent cycles; thousands of uploads a minute allocated one per block. At most
 * {@value #KEPT} arrays are kept (8 MiB): beyond that, concurrent writes allocate as before and the extra arrays
 * are left to the collector.
 */
@ApplicationScoped
public class BlockBuffers {
    static final int KEPT = 16;

    private final ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(KEPT);

    /** An array of exactly one block; its content is whatever the last user left in it. */
    public byte[] take() {
        byte[] buffer = free.poll();
        return buffer != null ? buffer : new byte[BlockChecksum.BLOCK_SIZE];
    }

    /** Hands an array back; the caller must not touch it afterwards. */
    public void give(byte[] buffer) {
        if (buffer != null && buffer.length == BlockChecksum.BLOCK_SIZE) {
            free.offer(buffer);
        }
    }
}
