package dev.imageregistry.snapshot.domain;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;

/**
 * A snapshot's whole (resolved) block map packed as EBS's LINEAR checksum reads it: for each block that holds data,
 * in index order, its index (4 bytes, big-endian) and its raw SHA-256 (32 bytes). A snapshot taken from a volume
 * must report the count and LINEAR checksum of its full map, though it stores only what the volume wrote; laying the
 * writes over the base's packed map is one pass over 36 bytes a block (4.5 MiB for 64 GiB), where resolving the
 * base's 131,072 rows in the database costs a sort of them on every CreateImage.
 */
public final class PackedBlockMap {
    private static final int INDEX = Integer.BYTES;
    private static final int CHECKSUM = 32;
    static final int ENTRY = INDEX + CHECKSUM;

    private final byte[] entries;

    private PackedBlockMap(byte[] entries) {
        this.entries = entries;
    }

    /** As stored; a length that is not whole entries means the bytes are not a packed map. */
    public static PackedBlockMap of(byte[] entries) {
        if (entries.length % ENTRY != 0) {
            throw new IllegalArgumentException("a packed block map is whole entries of " + ENTRY + " bytes, not "
                    + entries.length + " bytes");
        }
        return new PackedBlockMap(entries);
    }

    /** The map a completion loaded (index order already). */
    public static PackedBlockMap of(BlockMap map) {
        ByteBuffer packed = ByteBuffer.allocate(map.size() * ENTRY);
        map.entries().forEach(entry -> packed.putInt(entry.index()).put(entry.checksum().raw()));
        return new PackedBlockMap(packed.array());
    }

    /** A map delivered as events carry it (one entry per index), in any order. */
    public static PackedBlockMap of(List<MappedBlock> map) {
        return new PackedBlockMap(new byte[0]).overlaid(map);
    }

    public byte[] bytes() {
        return entries;
    }

    public int blockCount() {
        return entries.length / ENTRY;
    }

    /**
     * This map with {@code written} laid over it: a written index replaces the entry there or is added in its place
     * in index order. The last write of an index counts, as on a volume.
     */
    public PackedBlockMap overlaid(List<MappedBlock> written) {
        List<MappedBlock> writes = new ArrayList<>(written);
        writes.sort(Comparator.comparingInt(MappedBlock::index)); // stable: equal indexes keep their order
        ByteBuffer merged = ByteBuffer.allocate(entries.length + writes.size() * ENTRY);
        ByteBuffer base = ByteBuffer.wrap(entries);
        int w = 0;
        while (base.hasRemaining() || w < writes.size()) {
            int baseIndex = base.hasRemaining() ? base.getInt(base.position()) : Integer.MAX_VALUE;
            if (w < writes.size() && writes.get(w).index() <= baseIndex) {
                int index = writes.get(w).index();
                while (w + 1 < writes.size() && writes.get(w + 1).index() == index) {
                    w++;
                }
                merged.putInt(index).put(BlockChecksum.fromBase64(writes.get(w++).checksum()).raw());
                if (index == baseIndex) {
                    base.position(base.position() + ENTRY);
                }
            } else {
                merged.put(entries, base.position(), ENTRY);
                base.position(base.position() + ENTRY);
            }
        }
        byte[] packed = new byte[merged.position()];
        merged.flip().get(packed);
        return new PackedBlockMap(packed);
    }

    /** The count and EBS's LINEAR checksum: SHA-256 over the blocks' raw SHA-256s in index order. */
    public BlockMap.Summary summary() {
        MessageDigest aggregate = BlockChecksum.sha256();
        for (int offset = 0; offset < entries.length; offset += ENTRY) {
            aggregate.update(entries, offset + INDEX, CHECKSUM);
        }
        return new BlockMap.Summary(blockCount(), new BlockChecksum(aggregate.digest()));
    }
}
