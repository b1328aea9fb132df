package dev.imageregistry.snapshot.domain;

import java.util.List;

import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;

/**
 * A snapshot the region-replicator copied into this Region, every part of its map received: who owns it, the
 * volume, the map and the aggregate checksum the source announced, and where it came from.
 */
public record SnapshotCopy(String snapshotId, String ownerId, int volumeSize, String description,
        String aggregateChecksum, String sourceSnapshotId, String sourceRegion, List<MappedBlock> blocks) {

    /** Why the assembled map cannot be a snapshot (null when it can). */
    public String problem() {
        long capacity = BlockIndex.capacity(volumeSize);
        int previous = -1;
        for (MappedBlock block : blocks) {
            if (block == null || block.index() <= previous || block.index() >= capacity
                    || BlockChecksum.fromBase64(block.checksum()) == null) {
                return "The block map is not a list of distinct blocks inside the volume, in index order.";
            }
            previous = block.index();
        }
        if (!BlockMapParts.mapChecksum(blocks).matches(BlockChecksum.fromBase64(aggregateChecksum))) {
            return "The copied block map does not match its aggregate checksum.";
        }
        return null;
    }
}
