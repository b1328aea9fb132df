package dev.imageregistry.snapshot.domain;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotBlocksOverlaid;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotBlocksRecorded;

/**
 * Cuts a full block map into SnapshotBlocksRecorded parts, and a layer into SnapshotBlocksOverlaid parts. Parts
 * stay under Kafka's default message size (4,096 entries are about 300 KB of JSON), and the map checksum lets a
 * consumer verify the map it reassembles.
 */
public final class BlockMapParts {
    public static final int BLOCKS_PER_PART = 4096;

    private BlockMapParts() {
    }

    /** {@code blocks} in index order; an empty map is still one (empty) part, so consumers see it complete. */
    public static List<SnapshotBlocksRecorded> of(String snapshotId, String ownerId, int volumeSize,
            List<MappedBlock> blocks) {
        String mapChecksum = mapChecksum(blocks).base64();
        int parts = Math.max(1, (blocks.size() + BLOCKS_PER_PART - 1) / BLOCKS_PER_PART);
        List<SnapshotBlocksRecorded> events = new ArrayList<>(parts);
        for (int part = 0; part < parts; part++) {
            List<MappedBlock> slice = List.copyOf(blocks.subList(part * BLOCKS_PER_PART,
                    Math.min(blocks.size(), (part + 1) * BLOCKS_PER_PART)));
            events.add(new SnapshotBlocksRecorded(snapshotId, ownerId, volumeSize, part + 1, parts, slice, mapChecksum));
        }
        return events;
    }

    /**
     * A layer over {@code baseSnapshotId}'s map cut into SnapshotBlocksOverlaid parts: {@code written} in index
     * order; {@code full}: the count and checksum of the resolved map. No written block is still one (empty) part.
     */
    public static List<SnapshotBlocksOverlaid> layer(String snapshotId, String ownerId, int volumeSize,
            String baseSnapshotId, List<MappedBlock> written, BlockMap.Summary full) {
        int parts = Math.max(1, (written.size() + BLOCKS_PER_PART - 1) / BLOCKS_PER_PART);
        List<SnapshotBlocksOverlaid> events = new ArrayList<>(parts);
        for (int part = 0; part < parts; part++) {
            List<MappedBlock> slice = List.copyOf(written.subList(part * BLOCKS_PER_PART,
                    Math.min(written.size(), (part + 1) * BLOCKS_PER_PART)));
            events.add(new SnapshotBlocksOverlaid(snapshotId, ownerId, volumeSize, baseSnapshotId, part + 1, parts,
                    slice, full.blockCount(), full.checksum().base64()));
        }
        return events;
    }

    /** EBS's LINEAR aggregation over the whole map: SHA-256 over the raw SHA-256s in index order. */
    public static BlockChecksum mapChecksum(List<MappedBlock> blocks) {
        MessageDigest digest = BlockChecksum.sha256();
        for (MappedBlock block : blocks) {
            digest.update(BlockChecksum.fromBase64(block.checksum()).raw());
        }
        return new BlockChecksum(digest.digest());
    }
}
