package dev.imageregistry.snapshot.snapshots;

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

    record Tag(String key, String value) {
    }

    @EventType("SnapshotStarted")
    record SnapshotStarted(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId,
            String description, List<Tag> tags, Instant startTime) implements SnapshotEvent {
    }

    @EventType("SnapshotCompleted")
    record SnapshotCompleted(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId,
            long blockCount, String aggregateChecksum, String checksumAlgorithm, String description,
            Instant completionTime) implements SnapshotEvent {
    }

    record StateReason(String code, String message) {
    }

    @EventType("SnapshotFailed")
    record SnapshotFailed(String snapshotId, String ownerId, StateReason stateReason) implements SnapshotEvent {
    }

    @EventType("SnapshotDeleted")
    record SnapshotDeleted(String snapshotId, String ownerId) implements SnapshotEvent {
    }
}
