package dev.imageregistry.snapshot.commands;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.snapshot.domain.BlockMapLifetime;
import dev.imageregistry.snapshot.persistence.BlockMapRows;
import dev.imageregistry.snapshot.persistence.VolumeHolds;

/**
 * Keeps a deleted snapshot's block map while volumes hold it or maps taken from volumes lie over it (layers), and
 * discards it with the last hold ({@link BlockMapLifetime} decides). Discarding a layer releases its hold on its base,
 * which may go in turn, down the chain. Lock order, so that a deletion and a release never both keep a map nobody
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
        BlockMapLifetime after = BlockMapLifetime.LIVE.afterDeletion(holders(snapshotId));
        if (after == BlockMapLifetime.HELD) {
            LOG.infof("deleted %s: its block map is kept while volumes or layers hold it", snapshotId);
            maps.retain(snapshotId);
        } else {
            discard(snapshotId);
        }
    }

    /** A volume's hold on the snapshot was released (live intake only, never a replay). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void released(String snapshotId) {
        BlockMapLifetime now = maps.lockRetained(snapshotId, true) ? BlockMapLifetime.HELD : BlockMapLifetime.LIVE;
        if (now.afterRelease(holders(snapshotId)) == BlockMapLifetime.DISCARDED) {
            LOG.infof("discarded the block map of the deleted %s: nothing holds it any more", snapshotId);
            discard(snapshotId);
        }
    }

    /** The volumes and the layers holding the snapshot's map (their rows held FOR SHARE until the commit). */
    private List<String> holders(String snapshotId) {
        List<String> holders = new ArrayList<>(holds.holding(snapshotId));
        holders.addAll(maps.layersOver(snapshotId));
        return holders;
    }

    /** The map goes; if it was a layer, its base lost a hold, and goes too when that was the last (iteratively). */
    private void discard(String snapshotId) {
        Optional<String> base = maps.discard(snapshotId);
        while (base.isPresent()) {
            String baseId = base.get();
            base = Optional.empty();
            if (maps.lockRetained(baseId, true)
                    && BlockMapLifetime.HELD.afterRelease(holders(baseId)) == BlockMapLifetime.DISCARDED) {
                LOG.infof("discarded the block map of the deleted %s: its last layer went", baseId);
                base = maps.discard(baseId);
            }
        }
    }

    /** Whether the deleted snapshot's map still serves snapshots of volumes, held shared until the commit. */
    @Transactional(Transactional.TxType.MANDATORY)
    public BlockMapLifetime lifetimeOfDeleted(String snapshotId) {
        return maps.lockRetained(snapshotId, false) ? BlockMapLifetime.HELD : BlockMapLifetime.DISCARDED;
    }
}
