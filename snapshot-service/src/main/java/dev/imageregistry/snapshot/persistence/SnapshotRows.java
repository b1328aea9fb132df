package dev.imageregistry.snapshot.persistence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.snapshot.domain.Snapshot;
import dev.imageregistry.snapshot.domain.SnapshotEvent;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotBlocksOverlaid;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotBlocksRecorded;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCompleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCopyRequested;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotDeleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotFailed;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotStarted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotTagged;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotUntagged;

/**
 * The snapshot table: each row is projected from the snapshot's events in the transaction that appended them, and
 * read back for DescribeSnapshots, for the readers' checks and, as the aggregate's cache, by block writes.
 */
@ApplicationScoped
public class SnapshotRows {
    /** Who may read a snapshot: its owner, or whoever may launch an enabled image that uses it (alias s). */
    public static final String READABLE = "(s.owner_id = ? or exists (select 1 from image_usage_snapshot us "
            + "join image_usage i on i.image_id = us.image_id "
            + "join image_usage_permission p on p.image_id = us.image_id "
            + "where us.snapshot_id = s.snapshot_id and not i.disabled and p.grantee in (?, 'all')))";

    /** DescribeSnapshots' filters and the column each compares. */
    private static final Map<String, String> FILTER_COLUMNS = Map.of("status", "s.state", "owner-id", "s.owner_id",
            "snapshot-id", "s.snapshot_id", "volume-size", "s.volume_size::text", "parent-snapshot-id",
            "s.parent_snapshot_id", "description", "s.description");
    /** The filters DescribeSnapshots supports besides tag:KEY. */
    public static final Set<String> FILTERS = FILTER_COLUMNS.keySet();

    private final Jdbc jdbc;
    private final BlockMapRows maps;

    public SnapshotRows(Jdbc jdbc, BlockMapRows maps) {
        this.jdbc = jdbc;
        this.maps = maps;
    }

    /** The row, locked until the transaction ends: commands on one snapshot, and its completion, take turns. */
    public Optional<SnapshotRow> lock(String snapshotId) {
        return jdbc.one("select " + SnapshotRow.COLUMNS + " from snapshot s where s.snapshot_id = ? for update",
                SnapshotRow::read, snapshotId);
    }

    public Optional<SnapshotRow> find(String snapshotId) {
        return jdbc.one("select " + SnapshotRow.COLUMNS + " from snapshot s where s.snapshot_id = ?", SnapshotRow::read,
                snapshotId);
    }

    /** The snapshot if the caller may read it; one it may not is absent, exactly like one that does not exist. */
    public Optional<SnapshotRow> readable(String caller, String snapshotId) {
        return jdbc.one("select " + SnapshotRow.COLUMNS + " from snapshot s where s.snapshot_id = ? and " + READABLE,
                SnapshotRow::read, snapshotId, caller, caller);
    }

    /** Pending snapshots past their deadline, locked; replicas share them out (SKIP LOCKED). */
    public List<SnapshotRow> lockTimedOut(Instant now, int limit) {
        return jdbc.query("select " + SnapshotRow.COLUMNS + " from snapshot s where s.state = 'pending' "
                + "and s.timeout_at < ? order by s.timeout_at limit ? for update skip locked", SnapshotRow::read, now,
                limit);
    }

    /**
     * DescribeSnapshots' rows: readable by the caller, filtered ({@code owners} may say self), by snapshot ID after
     * {@code nextToken}, one more than {@code maxResults} (the caller knows then that there is a next page).
     */
    public List<SnapshotRow> describe(String caller, List<String> snapshotIds, List<String> owners,
            Map<String, List<String>> filters, int maxResults, String nextToken) {
        StringBuilder sql = new StringBuilder("select " + SnapshotRow.COLUMNS + " from snapshot s where " + READABLE);
        List<Object> args = new ArrayList<>(List.of(caller, caller));
        if (!snapshotIds.isEmpty()) {
            sql.append(" and s.snapshot_id = any (?)");
            args.add(snapshotIds.toArray(String[]::new));
        }
        if (!owners.isEmpty()) {
            sql.append(" and s.owner_id = any (?)");
            args.add(owners.stream().map(o -> "self".equals(o) ? caller : o).toArray(String[]::new));
        }
        filters.forEach((name, values) -> {
            if (name.startsWith("tag:")) {
                sql.append(" and exists (select 1 from jsonb_array_elements(s.tags) t where t->>'key' = ? and t->>'value' = any (?))");
                args.add(name.substring(4));
            } else {
                sql.append(" and ").append(FILTER_COLUMNS.get(name)).append(" = any (?)");
            }
            args.add(values.toArray(String[]::new));
        });
        if (nextToken != null) {
            sql.append(" and s.snapshot_id > ?");
            args.add(nextToken);
        }
        sql.append(" order by s.snapshot_id limit ").append(maxResults + 1);
        return jdbc.query(sql.toString(), SnapshotRow::read, args.toArray());
    }

    /**
     * Brings the row up to {@code event}, which the snapshot (now {@code after}) had at {@code version}.
     * {@code deadline} is when a started snapshot times out: the command's, not the event's.
     */
    public void project(Snapshot after, SnapshotEvent event, long version, Instant deadline) {
        String id = event.snapshotId();
        if (event instanceof SnapshotStarted started) {
            jdbc.update("insert into snapshot (snapshot_id, owner_id, volume_size, parent_snapshot_id, description, tags, "
                    + "state, start_time, timeout_at, version) values (?, ?, ?, ?, ?, ?::jsonb, 'pending', ?, ?, ?)", id,
                    started.ownerId(), started.volumeSize(), started.parentSnapshotId(), started.description(),
                    json(after.tagList()), started.startTime(), deadline, version);
            if (started.parentSnapshotId() != null) {
                maps.inherit(id, started.parentSnapshotId());
            }
        } else if (event instanceof SnapshotCopyRequested requested) {
            // No size until the copy completes, and no deadline: the replicator answers with the copy or its failure.
            jdbc.update("insert into snapshot (snapshot_id, owner_id, volume_size, description, tags, state, start_time, "
                    + "timeout_at, version, source_region, source_snapshot_id) "
                    + "values (?, ?, null, ?, ?::jsonb, 'pending', ?, null, ?, ?, ?)", id, requested.ownerId(),
                    requested.description(), json(after.tagList()), requested.requestedAt(), version,
                    requested.sourceRegion(), requested.sourceSnapshotId());
        } else if (event instanceof SnapshotCompleted completed) {
            // A snapshot without a parent (uploaded whole, copied, taken from a volume) wrote every block of its
            // map itself, and its map may be recorded after this row: blockCount. An incremental one counts its own.
            boolean whole = completed.parentSnapshotId() == null;
            String changed = whole ? "?" : "(select count(*) from snapshot_block where snapshot_id = ? and changed)";
            Object changedArg = whole ? (Object) (int) completed.blockCount() : id;
            // The size is the completion's: a CopySnapshot's snapshot learns it here.
            jdbc.update("update snapshot set state = 'completed', completion_time = ?, changed_blocks = " + changed
                    + ", aggregate_checksum = ?, volume_size = ?, version = ? where snapshot_id = ?",
                    completed.completionTime(), changedArg, completed.aggregateChecksum(), completed.volumeSize(),
                    version, id);
        } else if (event instanceof SnapshotFailed failed) {
            jdbc.update("update snapshot set state = 'error', state_reason = ?, version = ? where snapshot_id = ?",
                    failed.stateReason().code() + ": " + failed.stateReason().message(), version, id);
        } else if (event instanceof SnapshotTagged || event instanceof SnapshotUntagged) {
            jdbc.update("update snapshot set tags = ?::jsonb, version = ? where snapshot_id = ?", json(after.tagList()),
                    version, id);
        } else if (event instanceof SnapshotDeleted) {
            // The block map is not the row's to take: it stays while volumes hold it (RetainedBlockMaps decides).
            jdbc.update("delete from snapshot where snapshot_id = ?", id);
        } else if (event instanceof SnapshotBlocksRecorded || event instanceof SnapshotBlocksOverlaid) {
            // Nothing: the map is in the block store already, and SnapshotCompleted follows in the same append.
        }
    }

    private static String json(Object value) {
        try {
            return EventJson.MAPPER.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
