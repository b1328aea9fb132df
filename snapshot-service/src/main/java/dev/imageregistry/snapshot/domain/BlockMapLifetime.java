package dev.imageregistry.snapshot.domain;

import java.util.Collection;

/**
 * How long a snapshot's block map lives, which can be longer than the snapshot. On EC2 a snapshot may be deleted
 * while volumes made from it live, and they are unaffected; here a root volume is a copy-on-write map over its base
 * snapshot (a block it has not written is read from the base's block of the same index), so the base's map, and
 * through it its blocks, must outlive the snapshot while any volume holds it. The deletion itself is the snapshot's
 * to decide ({@link Snapshot#delete}); to its owner the snapshot is gone at once either way.
 */
public enum BlockMapLifetime {
    /** The snapshot exists: the map is its own. */
    LIVE,
    /** The snapshot is deleted, and volumes made from it still hold its map. */
    HELD,
    /** Deleted and held by no volume: the map is discarded, its blocks collectable by the usual rule. */
    DISCARDED;

    /** SnapshotDeleted: the map stays while a volume holds the snapshot ({@code holders}), else it goes now. */
    public BlockMapLifetime afterDeletion(Collection<String> holders) {
        if (this != LIVE) {
            return this; // deleted already: a redelivered deletion changes nothing
        }
        return holders.isEmpty() ? DISCARDED : HELD;
    }

    /**
     * A volume let go of the snapshot (deleted with its instance); {@code remaining}: the volumes still holding it.
     * The map of a deleted snapshot goes with its last hold; a live snapshot keeps its map whoever holds it.
     */
    public BlockMapLifetime afterRelease(Collection<String> remaining) {
        return this == HELD && remaining.isEmpty() ? DISCARDED : this;
    }

    /** Whether a snapshot of a volume can still be made over this map (CreateImage, CreateSnapshot). */
    public boolean servesVolumes() {
        return this != DISCARDED;
    }
}
