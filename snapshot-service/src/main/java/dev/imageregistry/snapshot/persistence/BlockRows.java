package dev.imageregistry.snapshot.persistence;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.snapshot.domain.BlockBatch.NamedBlock;

/**
 * The content-addressed blocks (block: one row per content, {@code stored} once its object is in the bucket,
 * {@code touched_at} keeping garbage collection away) and the writes that put them into a snapshot's map.
 *
 * <p>The statements that touch a block row repeat, in their where clause, the rule the snapshot decides (the
 * caller's, pending, the index inside the volume): only so that a write the snapshot refuses touches nothing. The
 * decision and its answer are the aggregate's ({@code Snapshot.acceptBlock}), from the row these statements return.
 */
@ApplicationScoped
public class BlockRows {
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    private final Jdbc jdbc;

    public BlockRows(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** The snapshot's row, and whether the block's object is in the bucket (null when nothing was touched). */
    public record Admission(SnapshotRow snapshot, Boolean stored) {
    }

    /** The snapshot's row, and for each block touched whether its object is in the bucket (empty: none touched). */
    public record BatchAdmission(SnapshotRow snapshot, Map<String, Boolean> stored) {
    }

    /**
     * PutSnapshotBlock's first round trip (a block write is latency-bound): reads the snapshot and, when the caller
     * may write there, touches the block's row (inserted unstored when new).
     */
    public Optional<Admission> admit(String caller, String snapshotId, long blockIndex, String checksumHex) {
        return jdbc.one("with s as (select * from snapshot where snapshot_id = ?), "
                + "b as (insert into block (checksum, stored, touched_at) select ?, false, now() from s "
                + "where s.owner_id = ? and s.state = 'pending' and ? < s.volume_size::bigint * 2048 "
                + "on conflict (checksum) do update set touched_at = now() returning stored) "
                + "select " + SnapshotRow.COLUMNS + ", (select stored from b) as stored from s",
                rs -> new Admission(SnapshotRow.read(rs), (Boolean) rs.getObject("stored")), snapshotId, checksumHex,
                caller, blockIndex);
    }

    /** block-uploads: {@link #admit} for a batch, in one statement. */
    public Optional<BatchAdmission> admit(String caller, String snapshotId, int highestIndex, List<NamedBlock> blocks) {
        String[] hexes = blocks.stream().map(b -> b.checksum().hex()).toArray(String[]::new);
        Map<String, Boolean> stored = new HashMap<>();
        SnapshotRow[] snapshot = new SnapshotRow[1];
        jdbc.query("with s as (select * from snapshot where snapshot_id = ?), "
                + "b as (insert into block (checksum, stored, touched_at) "
                + "select u.checksum, false, now() from s, (select distinct unnest(?::text[]) as checksum) u "
                + "where s.owner_id = ? and s.state = 'pending' and ? < s.volume_size::bigint * 2048 "
                // In checksum order: batches that share blocks lock their rows in the same order (no deadlock).
                + "order by u.checksum "
                + "on conflict (checksum) do update set touched_at = now() returning checksum, stored) "
                + "select " + SnapshotRow.COLUMNS + ", b.checksum as block, b.stored from s left join b on true", rs -> {
                    snapshot[0] = SnapshotRow.read(rs);
                    if (rs.getString("block") != null) {
                        stored.put(rs.getString("block"), rs.getBoolean("stored"));
                    }
                    return null;
                }, snapshotId, hexes, caller, highestIndex);
        return snapshot[0] == null ? Optional.empty() : Optional.of(new BatchAdmission(snapshot[0], stored));
    }

    /**
     * PutSnapshotBlock's second round trip: puts the block into the map (changed, replacing an earlier write of
     * the index), marking it stored in the same statement when it was just PUT. The snapshot row is taken FOR SHARE:
     * completion (FOR UPDATE) waits for in-flight writes and then sees them all. False when the snapshot stopped
     * being pending since it was admitted.
     */
    public boolean reference(String caller, String snapshotId, int blockIndex, String checksumHex, boolean justStored) {
        List<Object> args = new java.util.ArrayList<>();
        if (justStored) {
            args.add(checksumHex);
        }
        args.addAll(List.of(blockIndex, checksumHex, snapshotId, caller));
        try {
            return jdbc.update((justStored ? "with m as (update block set stored = true where checksum = ?) " : "")
                    + "insert into snapshot_block (snapshot_id, block_index, checksum, changed) "
                    + "select snapshot_id, ?, ?, true from snapshot where snapshot_id = ? and owner_id = ? "
                    + "and state = 'pending' for share "
                    + "on conflict (snapshot_id, block_index) do update set checksum = excluded.checksum, changed = true",
                    args.toArray()) > 0;
        } catch (IllegalStateException e) {
            if (violates(e, FOREIGN_KEY_VIOLATION)) {
                // Garbage collection removed the row after the admission (the write stalled past the grace window).
                throw new Ec2Exception(503, "ServiceUnavailable", "The block was collected while being written; retry the request.");
            }
            throw e;
        }
    }

    /**
     * block-references, first: the batch's block rows (whether each is stored; absent: never touched, or
     * collected), locked in checksum order. Garbage collection skips locked rows, and a row it already deleted is
     * reported, never re-created here.
     */
    public Map<String, Boolean> lockBlocks(Collection<String> checksumHexes) {
        Map<String, Boolean> rows = new HashMap<>();
        jdbc.query("select checksum, stored from block where checksum = any(?) order by checksum for no key update",
                rs -> rows.put(rs.getString(1), rs.getBoolean(2)), (Object) checksumHexes.toArray(String[]::new));
        return rows;
    }

    /**
     * block-references, then: the snapshot row FOR SHARE, as a single write's reference takes it (block rows
     * first, then the snapshot row: no two writers wait on each other around a completion queued for the row).
     */
    public Optional<SnapshotRow> lockSnapshotShared(String snapshotId) {
        return jdbc.one("select " + SnapshotRow.COLUMNS + " from snapshot s where s.snapshot_id = ? for share",
                SnapshotRow::read, snapshotId);
    }

    public void markStored(Collection<String> checksumHexes) {
        if (!checksumHexes.isEmpty()) {
            jdbc.update("update block set stored = true where checksum = any(?)",
                    (Object) checksumHexes.toArray(String[]::new));
        }
    }

    /** block-references, last: the batch into the map (changed, each replacing an earlier write of its index). */
    public int reference(String caller, String snapshotId, List<NamedBlock> blocks) {
        try {
            return jdbc.update("insert into snapshot_block (snapshot_id, block_index, checksum, changed) "
                    + "select s.snapshot_id, e.idx, e.checksum, true from snapshot s, "
                    + "unnest(?::int[], ?::text[]) as e(idx, checksum) "
                    + "where s.snapshot_id = ? and s.owner_id = ? and s.state = 'pending' "
                    + "on conflict (snapshot_id, block_index) do update set checksum = excluded.checksum, "
                    + "changed = true", blocks.stream().map(NamedBlock::index).toArray(Integer[]::new),
                    blocks.stream().map(b -> b.checksum().hex()).toArray(String[]::new), snapshotId, caller);
        } catch (IllegalStateException e) {
            if (violates(e, FOREIGN_KEY_VIOLATION)) {
                throw new Ec2Exception(503, "ServiceUnavailable", "A block was collected while being written; retry the request.");
            }
            throw e;
        }
    }

    /**
     * A copied snapshot's blocks: their objects are in the bucket already (stored); touching the rows also keeps
     * garbage collection off them until the map references them. Sorted and distinct: concurrent writers lock
     * block rows in the same order (no deadlock).
     */
    public void recordStored(Collection<String> checksumHexes) {
        jdbc.update("insert into block (checksum, stored, touched_at) select c, true, now() "
                + "from (select distinct unnest(?::text[]) as c) u order by c "
                + "on conflict (checksum) do update set stored = true, touched_at = now()",
                (Object) checksumHexes.toArray(String[]::new));
    }

    /** Any map counts: a snapshot's, and a deleted snapshot's that volumes still hold (retained_block_map). */
    private static final String COLLECTABLE = "b.touched_at < now() - make_interval(secs => ?) "
            + "and not exists (select 1 from snapshot_block sb where sb.checksum = b.checksum)";

    /** Blocks no map references and nobody touched within the grace window, oldest first. */
    public List<String> collectable(Duration grace, int limit) {
        return jdbc.query("select b.checksum from block b where " + COLLECTABLE + " order by b.touched_at limit ?",
                rs -> rs.getString(1), seconds(grace), limit);
    }

    /**
     * Deletes the block's row if it is still collectable, holding its lock until the transaction ends (a replica
     * collecting it already is skipped, a writer touching it waits). False when it is not collectable any more.
     */
    public boolean deleteIfCollectable(String checksumHex, Duration grace) {
        if (jdbc.one("select b.checksum from block b where b.checksum = ? and " + COLLECTABLE
                + " for update skip locked", rs -> rs.getString(1), checksumHex, seconds(grace)).isEmpty()) {
            return false;
        }
        jdbc.update("delete from block where checksum = ?", checksumHex);
        return true;
    }

    private static double seconds(Duration grace) {
        return grace.toMillis() / 1000.0;
    }

    private static boolean violates(Throwable e, String sqlState) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sqlState.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
