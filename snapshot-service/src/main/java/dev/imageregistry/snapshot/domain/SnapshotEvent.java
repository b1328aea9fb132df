package dev.imageregistry.snapshot.domain;

import java.time.Instant;
import java.util.List;

import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventType;

/** What happens to a snapshot, as published on snapshot-events (docs/events/Snapshot*.schema.json). */
public sealed interface SnapshotEvent extends DomainEvent {
    String snapshotId();

    String ownerId();

    @Override
    default String aggregateId() {
        return snapshotId();
    }

    record Tag(String key, String value) implements dev.imageregistry.platform.tags.TagRules.KeyValue {
    }

    @EventType("SnapshotStarted")
    record SnapshotStarted(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId,
            String description, List<Tag> tags, Instant startTime) implements SnapshotEvent {
    }

    /**
     * CopySnapshot, asked in this Region: the new snapshot is pending, with the description and tags asked for; its
     * size is known once the region-replicator's copy completes it.
     */
    @EventType("SnapshotCopyRequested")
    record SnapshotCopyRequested(String snapshotId, String ownerId, String sourceRegion, String sourceSnapshotId,
            String description, List<Tag> tags, Instant requestedAt) implements SnapshotEvent {
    }

    @EventType("SnapshotCompleted")
    record SnapshotCompleted(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId,
            long blockCount, String aggregateChecksum, String checksumAlgorithm, String description,
            Instant completionTime, String sourceSnapshotId, String sourceRegion) implements SnapshotEvent {

        /** A snapshot uploaded in this Region (not copied from another). */
        public SnapshotCompleted(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId,
                long blockCount, String aggregateChecksum, String checksumAlgorithm, String description,
                Instant completionTime) {
            this(snapshotId, ownerId, volumeSize, parentSnapshotId, blockCount, aggregateChecksum, checksumAlgorithm,
                    description, completionTime, null, null);
        }
    }

    /** One entry of a block map: the block's index and its SHA-256 (base64), which also names its object. */
    record MappedBlock(int index, String checksum) {
    }

    /**
     * One part of a completed snapshot's full block map (inherited blocks included), published just before
     * SnapshotCompleted so that the stream alone says which objects make up the snapshot (another Region's
     * replicator copies from it).
     */
    @EventType("SnapshotBlocksRecorded")
    record SnapshotBlocksRecorded(String snapshotId, String ownerId, int volumeSize, int part, int parts,
            List<MappedBlock> blocks, String mapChecksum) implements SnapshotEvent {
    }

    /**
     * One part of the block map of a snapshot taken from a volume, as a layer over its base's map: the blocks the
     * volume wrote (each replacing the base's block of the same index), published instead of SnapshotBlocksRecorded
     * so that the stream carries what the volume wrote, not the whole disk again. {@code blockCount} and
     * {@code mapChecksum} (EBS's LINEAR aggregation) are the full resolved map's, so that a consumer can verify its
     * resolution.
     */
    @EventType("SnapshotBlocksOverlaid")
    record SnapshotBlocksOverlaid(String snapshotId, String ownerId, int volumeSize, String baseSnapshotId, int part,
            int parts, List<MappedBlock> blocks, long blockCount, String mapChecksum) implements SnapshotEvent {
    }

    record StateReason(String code, String message) {
    }

    @EventType("SnapshotFailed")
    record SnapshotFailed(String snapshotId, String ownerId, StateReason stateReason) implements SnapshotEvent {
    }

    /** CreateTags after the start: the tags set, each added or overwriting the value of its key. */
    @EventType("SnapshotTagged")
    record SnapshotTagged(String snapshotId, String ownerId, List<Tag> tags) implements SnapshotEvent {
    }

    /** DeleteTags: the keys that were removed (only keys the snapshot had). */
    @EventType("SnapshotUntagged")
    record SnapshotUntagged(String snapshotId, String ownerId, List<String> keys) implements SnapshotEvent {
    }

    @EventType("SnapshotDeleted")
    record SnapshotDeleted(String snapshotId, String ownerId) implements SnapshotEvent {
    }
}
