package dev.imageregistry.snapshot.persistence;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.platform.projection.ReadModel;

/**
 * Read model "copy-progress", projected from the region-replicator's copy-events: how far each CopySnapshot's copy
 * has come (SnapshotCopyProgressed), which DescribeSnapshots shows as the pending snapshot's Progress. Progress is
 * not the snapshot's history (no decision rests on it), so it is a view, not an event of the snapshot; the
 * platform's {@code /admin/read-models/copy-progress/rebuild} replays copy-events through {@link #project}.
 */
@ApplicationScoped
public class CopyProgress implements ReadModel {
    public static final String NAME = "copy-progress";

    private final Jdbc jdbc;

    public CopyProgress(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** The fields of SnapshotCopyProgressed this view needs (a tolerant reader). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SnapshotCopyProgressed(String snapshotId, Long blocksDone, Long blocksTotal, Integer percent) {

        boolean wellFormed() {
            return ResourceKind.SNAPSHOT.isWellFormed(snapshotId) && blocksDone != null && blocksDone >= 0
                    && blocksTotal != null && blocksTotal >= 0;
        }

        /** The replicator's percent when it gives one, else the share of blocks done; 0 to 100 either way. */
        int percentDone() {
            long value = percent != null ? percent : blocksTotal == 0 ? 0 : blocksDone * 100 / blocksTotal;
            return (int) Math.max(0, Math.min(100, value));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> topics() {
        return List.of("copy-events");
    }

    @Override
    public void clear() {
        jdbc.update("delete from snapshot_copy_progress");
    }

    /**
     * SnapshotCopyProgressed sets the copy's progress; the other copy events are the snapshots' (see
     * {@code CopyEventIntake}). Progress shown never goes back: a replicator that resumes a copy may report less.
     */
    @Override
    public void project(EventEnvelope event) {
        if (!"SnapshotCopyProgressed".equals(event.type())) {
            return;
        }
        SnapshotCopyProgressed progressed;
        try {
            progressed = event.dataAs(SnapshotCopyProgressed.class);
        } catch (IllegalArgumentException unreadable) {
            progressed = null;
        }
        if (progressed == null || !progressed.wellFormed()) {
            return; // a poison record changes no progress
        }
        jdbc.update("insert into snapshot_copy_progress (snapshot_id, blocks_done, blocks_total, percent) "
                + "values (?, ?, ?, ?) on conflict (snapshot_id) do update set blocks_done = excluded.blocks_done, "
                + "blocks_total = excluded.blocks_total, percent = excluded.percent "
                + "where excluded.percent >= snapshot_copy_progress.percent", progressed.snapshotId(),
                progressed.blocksDone(), progressed.blocksTotal(), progressed.percentDone());
    }

    /** The percent done of each of these snapshots' copies that has reported progress. */
    public Map<String, Integer> percentDone(List<String> snapshotIds) {
        Map<String, Integer> done = new HashMap<>();
        if (!snapshotIds.isEmpty()) {
            jdbc.query("select snapshot_id, percent from snapshot_copy_progress where snapshot_id = any (?)",
                    rs -> done.put(rs.getString(1), rs.getInt(2)), (Object) snapshotIds.toArray(String[]::new));
        }
        return done;
    }
}
