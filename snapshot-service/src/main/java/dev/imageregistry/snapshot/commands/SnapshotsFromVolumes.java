package dev.imageregistry.snapshot.commands;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.snapshot.persistence.VolumeSnapshotParts;
import dev.imageregistry.snapshot.persistence.VolumeSnapshotParts.Part;

/**
 * Snapshots taken from volumes (VolumeSnapshotTaken, the launch-service's answer to CreateImage and
 * CreateSnapshot): each part of a volume's map is recorded; when the last part arrives the snapshot is made here.
 * A part saying the volume could not be snapshotted fails the snapshot at once, without waiting for the others.
 *
 * <p>Making a snapshot is a decision, not a projection: the event store, which remembers snapshots even after they
 * are deleted, is what keeps a redelivered or replayed VolumeSnapshotTaken from making one twice.
 */
@ApplicationScoped
public class SnapshotsFromVolumes {
    private final VolumeSnapshotParts parts;
    private final EventStore events;
    private final SnapshotCommands snapshots;

    public SnapshotsFromVolumes(VolumeSnapshotParts parts, EventStore events, SnapshotCommands snapshots) {
        this.parts = parts;
        this.events = events;
        this.snapshots = snapshots;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void received(Part part) {
        parts.record(part);
        if (events.exists(part.snapshotId())) {
            return; // made already (the snapshot decides so too): no need to reassemble its parts again
        }
        if (part.failure() != null) {
            snapshots.takeFromVolume(part.alone());
        } else if (parts.received(part.snapshotId()) >= part.parts()) {
            snapshots.takeFromVolume(part.with(parts.writtenBlocks(part.snapshotId(), part.parts())));
        }
    }
}
