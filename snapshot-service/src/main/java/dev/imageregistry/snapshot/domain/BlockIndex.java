package dev.imageregistry.snapshot.domain;

import dev.imageregistry.platform.errors.Ec2Exception;

/** Where a block sits in its volume: a volume of N GiB holds N × 2,048 blocks of 512 KiB, indexes 0 to that − 1. */
public final class BlockIndex {
    public static final int PER_GIB = 2048;

    private BlockIndex() {
    }

    public static long capacity(int volumeSize) {
        return (long) volumeSize * PER_GIB;
    }

    public static void requireNotNegative(long blockIndex) {
        if (blockIndex < 0) {
            throw Ec2Exception.invalidParameter("BlockIndex must not be negative.");
        }
    }

    public static void requireInside(long blockIndex, int volumeSize) {
        long capacity = capacity(volumeSize);
        if (blockIndex < 0 || blockIndex >= capacity) {
            throw Ec2Exception.invalidParameter("BlockIndex " + blockIndex + " is outside the volume (0 to "
                    + (capacity - 1) + ").");
        }
    }
}
