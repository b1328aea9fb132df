package dev.imageregistry.snapshot.commands;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.snapshot.domain.BlockMapLifetime;
import dev.imageregistry.snapshot.persistence.BlockMapRows;
import dev.imageregistry.snapshot.persistence.VolumeHolds;

/**
 * Keeps a deleted snapshot's block map while volumes hold it, and discards it with the last hold
 * ({@link BlockMapLifetime} decides). Lock order, so that a deletion and a release never both keep a map nobody
 * holds: the release marks its hold row first and then locks the retained map's row; the deletion reads the holds
 * FOR SHARE, so a release in flight is waited for (and seen), and a later one finds the retained row.
 */
@ApplicationScoped
public class RetainedBlockMaps {
    private static final Logger LOG = Logger.getLogger(RetainedBlockMaps.class);

    private final VolumeHolds holds;
    private final BlockMapRows maps;
    private final EventIntake intake;

    public RetainedBlockMaps(VolumeHolds holds, BlockMapRows maps, EventIntake intake) {
        this.holds = holds;
        this.maps = maps;
        this.intake = intake;
    }

    /** The snapshot was just deleted (SnapshotDeleted recorded in this transaction): its map is kept or goes. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void deleted(String snapshotId) {
        intake.enterShared(VolumeHolds.NAME); // not while a rebuild has wiped the holds
        BlockMapLifetime after = BlockMapLifetime.LIVE.afterDeletion(holds.holding(snapshotId));
        if (after == BlockMapLifetime.HELD) {
            LOG.infof("deleted %s: its block map is kept while volumes hold it", snapshotId);
            maps.retain(snapshotId);
        } else {
            maps.discard(snapshotId);
        }
    }

    /** A volume's hold on the snapshot was released (live intake only, never a replay). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void released(String snapshotId) {
        BlockMapLifetime now = maps.lockRetained(snapshotId, true) ? BlockMapLifetime.HELD : BlockMapLifetime.LIVE;
        if (now.afterRelease(holds.holding(snapshotId)) == BlockMapLifetime.DISCARDED) {
            LOG.infof("discarded the block map of the deleted %s: no volume holds it any more", snapshotId);
            maps.discard(snapshotId);
        }
    }

    /** Whether the deleted snapshot's map still serves snapshots of volumes, held shared until the commit. */
    @Transactional(Transactional.TxType.MANDATORY)
    public BlockMapLifetime lifetimeOfDeleted(String snapshotId) {
        return maps.lockRetained(snapshotId, false) ? BlockMapLifetime.HELD : BlockMapLifetime.DISCARDED;
    }
}
