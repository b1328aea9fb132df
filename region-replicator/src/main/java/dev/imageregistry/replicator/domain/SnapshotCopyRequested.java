package dev.imageregistry.replicator.domain;

import dev.imageregistry.platform.events.EventType;

/**
 * The snapshot-service's SnapshotCopyRequested (CopySnapshot), as the replicator reads it from this Region's
 * snapshot-events: the fields a copy needs (a tolerant reader; the tags are already on the pending snapshot).
 */
@EventType("SnapshotCopyRequested")
public record SnapshotCopyRequested(String snapshotId, String ownerId, String sourceRegion, String sourceSnapshotId,
        String description) implements CopyRequest {

    @Override
    public String copyId() {
        return snapshotId;
    }

    @Override
    public CopyOf of() {
        return new CopyOf.Snapshot(sourceSnapshotId);
    }
}
