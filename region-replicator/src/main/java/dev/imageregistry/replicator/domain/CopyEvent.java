package dev.imageregistry.replicator.domain;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventType;

/**
 * What the replicator publishes on copy-events about a copy, keyed by the copy's ID (docs/events/): the new image's
 * for a CopyImage, the new snapshot's for a CopySnapshot.
 */
public sealed interface CopyEvent extends DomainEvent {

    record StateReason(String code, String message) {
    }

    record Block(int index, String checksum) {
    }

    record CopiedSnapshot(String sourceSnapshotId, String snapshotId, int volumeSize, long blockCount,
            String aggregateChecksum) {
    }

    @EventType("ImageCopyProgressed")
    record ImageCopyProgressed(String imageId, long blocksDone, long blocksTotal, long bytesMoved, int percent)
            implements CopyEvent {
        @Override
        public String aggregateId() {
            return imageId;
        }
    }

    @EventType("SnapshotCopyProgressed")
    record SnapshotCopyProgressed(String snapshotId, long blocksDone, long blocksTotal, long bytesMoved, int percent)
            implements CopyEvent {
        @Override
        public String aggregateId() {
            return snapshotId;
        }
    }

    /**
     * One part of a copied snapshot's block map. Part of an image copy ({@code imageId} set, keyed by the image), or
     * of a CopySnapshot (no {@code imageId}, keyed by the snapshot), whose last part also carries the copy's figures
     * and ends it.
     */
    @EventType("SnapshotCopied")
    record SnapshotCopied(String imageId, String snapshotId, String sourceSnapshotId, String sourceRegion,
            String ownerId, int volumeSize, String aggregateChecksum, String description, int part, int parts,
            List<Block> blocks, Long bytesMoved, Long blocksSkipped) implements CopyEvent {
        @Override
        public String aggregateId() {
            return imageId != null ? imageId : snapshotId;
        }

        public boolean last() {
            return part == parts;
        }
    }

    /** The source image's attributes travel as the source published them, with mappings pointing at the copies. */
    @EventType("ImageCopied")
    record ImageCopied(String imageId, String sourceImageId, String sourceRegion, List<CopiedSnapshot> snapshots,
            String architecture, String rootDeviceName, JsonNode blockDeviceMappings, String bootMode,
            String virtualizationType, Boolean enaSupport, String imdsSupport, JsonNode tags, long bytesMoved,
            long blocksSkipped) implements CopyEvent {
        @Override
        public String aggregateId() {
            return imageId;
        }
    }

    @EventType("ImageCopyFailed")
    record ImageCopyFailed(String imageId, String sourceImageId, String sourceRegion, StateReason stateReason)
            implements CopyEvent {
        @Override
        public String aggregateId() {
            return imageId;
        }
    }

    @EventType("SnapshotCopyFailed")
    record SnapshotCopyFailed(String snapshotId, String sourceSnapshotId, String sourceRegion,
            StateReason stateReason) implements CopyEvent {
        @Override
        public String aggregateId() {
            return snapshotId;
        }
    }
}
