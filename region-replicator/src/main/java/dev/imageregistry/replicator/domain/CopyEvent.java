package dev.imageregistry.replicator.domain;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventType;

/** What the replicator publishes on copy-events, keyed by the destination image ID (docs/events/). */
public sealed interface CopyEvent extends DomainEvent {

    String imageId();

    @Override
    default String aggregateId() {
        return imageId();
    }

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
    }

    @EventType("SnapshotCopied")
    record SnapshotCopied(String imageId, String snapshotId, String sourceSnapshotId, String sourceRegion,
            String ownerId, int volumeSize, String aggregateChecksum, String description, int part, int parts,
            List<Block> blocks) implements CopyEvent {
    }

    /** The source image's attributes travel as the source published them, with mappings pointing at the copies. */
    @EventType("ImageCopied")
    record ImageCopied(String imageId, String sourceImageId, String sourceRegion, List<CopiedSnapshot> snapshots,
            String architecture, String rootDeviceName, JsonNode blockDeviceMappings, String bootMode,
            String virtualizationType, Boolean enaSupport, String imdsSupport, JsonNode tags, long bytesMoved,
            long blocksSkipped) implements CopyEvent {
    }

    @EventType("ImageCopyFailed")
    record ImageCopyFailed(String imageId, String sourceImageId, String sourceRegion, StateReason stateReason)
            implements CopyEvent {
    }
}
