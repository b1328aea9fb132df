package dev.imageregistry.snapshot.commands;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.snapshot.domain.SnapshotCopy;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.persistence.CopiedSnapshotParts;
import dev.imageregistry.snapshot.persistence.CopiedSnapshotParts.Part;

/**
 * Snapshots the region-replicator copied into this Region: each part of a copied map is recorded; when the last
 * part of a snapshot arrives, the snapshot of an image's copy is created here, completed, with its map, and the
 * pending snapshot of a CopySnapshot (a part without an image) is completed with it. A CopySnapshot's failure fails
 * its pending snapshot.
 *
 * <p>Creating a snapshot is a decision, not a projection: the event store, which remembers snapshots even after
 * they are deleted, is what keeps a replay of copy-events from creating one twice; a CopySnapshot's snapshot decides
 * itself that a copy already completed, failed or deleted changes nothing.
 */
@ApplicationScoped
public class SnapshotCopies {
    private final CopiedSnapshotParts parts;
    private final EventStore events;
    private final SnapshotCommands snapshots;

    public SnapshotCopies(CopiedSnapshotParts parts, EventStore events, SnapshotCommands snapshots) {
        this.parts = parts;
        this.events = events;
        this.snapshots = snapshots;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void received(Part part) {
        parts.record(part);
        if (parts.received(part.snapshotId()) < part.parts()) {
            return;
        }
        if (part.imageId() == null) {
            snapshots.completeCopy(part.snapshotId(), () -> assembled(part));
        } else if (!events.exists(part.snapshotId())) {
            snapshots.copyIn(assembled(part));
        }
    }

    /** SnapshotCopyFailed: the region-replicator could not make a CopySnapshot's copy. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void failed(String snapshotId, StateReason reason) {
        snapshots.failCopy(snapshotId, reason);
    }

    private SnapshotCopy assembled(Part part) {
        return new SnapshotCopy(part.snapshotId(), part.ownerId(), part.volumeSize(), part.description(),
                part.aggregateChecksum(), part.sourceSnapshotId(), part.sourceRegion(),
                parts.map(part.snapshotId(), part.parts()));
    }
}
