package dev.imageregistry.snapshot.domain;

import java.util.Collection;

/**
 * How long a snapshot's block map lives, which can be longer than the snapshot. On EC2 a snapshot may be deleted
 * while volumes made from it live, and they are unaffected; here a root volume is a copy-on-write map over its base
 * snapshot (a block it has not written is read from the base's block of the same index), so the base's map, and
 * through it its blocks, must outlive the snapshot while any volume holds it. So must it while a snapshot taken from
 * such a volume lies over it: that map is a layer of the volume's writes over the base's. The deletion itself is the snapshot's
 * to decide ({@link Snapshot#delete}); to its owner the snapshot is gone at once either way.
 */
public enum BlockMapLifetime {
    /** The snapshot exists: the map is its own. */
    LIVE,
    /** The snapshot is deleted, and volumes made from it, or layers over its map, still hold the map. */
    HELD,
    /** Deleted and held by no volume or layer: the map is discarded, its blocks collectable by the usual rule. */
    DISCARDED;

    /** SnapshotDeleted: the map stays while a volume or a layer holds it ({@code holders}), else it goes now. */
    public BlockMapLifetime afterDeletion(Collection<String> holders) {
        if (this != LIVE) {
            return this; // deleted already: a redelivered deletion changes nothing
        }
        return holders.isEmpty() ? DISCARDED : HELD;
    }

    /**
     * A volume let go of the snapshot (deleted with its instance), or a layer over its map was discarded;
     * {@code remaining}: the volumes and layers still holding it.
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
