package dev.imageregistry.snapshot.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.domain.BlockMap;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;

/** The block maps of snapshots (snapshot_block: index → checksum, changed = written by this snapshot). */
@ApplicationScoped
public class BlockMapRows {
    private final Jdbc jdbc;
    private final DataSource db;

    public BlockMapRows(Jdbc jdbc, DataSource db) {
        this.jdbc = jdbc;
        this.db = db;
    }

    /** One listed entry: the index and the checksum (hex) of the block there. */
    public record Entry(int index, String checksumHex) {
    }

    /** An index at which two snapshots differ, with each one's checksum (hex; null where it has no block). */
    public record Difference(int index, String firstHex, String secondHex) {
    }

    /** What one index of a readable snapshot holds: the volume, and the checksum there (null: never written). */
    public record Located(int volumeSize, String checksumHex) {
    }

    /** The child starts with its parent's map; its own writes replace entries and are marked changed. */
    void inherit(String childId, String parentId) {
        jdbc.update("insert into snapshot_block (snapshot_id, block_index, checksum, changed) "
                + "select ?, block_index, checksum, false from snapshot_block where snapshot_id = ?", childId, parentId);
    }

    /** The whole map, in index order, streamed in pages (a large snapshot has millions of entries). */
    public BlockMap load(String snapshotId) {
        List<BlockMap.Entry> entries = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select block_index, checksum, changed from snapshot_block where snapshot_id = ? order by block_index")) {
            s.setString(1, snapshotId);
            s.setFetchSize(10_000);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    entries.add(new BlockMap.Entry(rs.getInt(1), BlockChecksum.fromHex(rs.getString(2)), rs.getBoolean(3)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new BlockMap(entries);
    }

    /** Up to {@code limit} entries from index {@code start} on. */
    public List<Entry> list(String snapshotId, long start, int limit) {
        return jdbc.query("select block_index, checksum from snapshot_block where snapshot_id = ? and block_index >= ? "
                + "order by block_index limit ?", rs -> new Entry(rs.getInt(1), rs.getString(2)), snapshotId, start, limit);
    }

    /**
     * Indexes whose content differs between two snapshots (present in only one counts as changed); without a first
     * snapshot, every block of the second.
     */
    public List<Difference> differences(String firstSnapshotId, String secondSnapshotId, long start, int limit) {
        return jdbc.query("select coalesce(a.block_index, b.block_index) as idx, a.checksum, b.checksum "
                + "from (select block_index, checksum from snapshot_block where snapshot_id = ?) a "
                + "full join (select block_index, checksum from snapshot_block where snapshot_id = ?) b "
                + "on a.block_index = b.block_index "
                + "where a.checksum is distinct from b.checksum and coalesce(a.block_index, b.block_index) >= ? "
                + "order by idx limit ?", rs -> new Difference(rs.getInt(1), rs.getString(2), rs.getString(3)),
                firstSnapshotId, secondSnapshotId, start, limit);
    }

    /**
     * One query answers both "may the caller read this snapshot" and "which content is at this index": a download
     * through the service makes thousands of these calls.
     */
    public Optional<Located> readableAt(String caller, String snapshotId, long blockIndex) {
        return jdbc.one("select s.volume_size, sb.checksum from snapshot s left join snapshot_block sb "
                + "on sb.snapshot_id = s.snapshot_id and sb.block_index = ? where s.snapshot_id = ? and "
                + SnapshotRows.READABLE, rs -> new Located(rs.getInt(1), rs.getString(2)), blockIndex, snapshotId,
                caller, caller);
    }

    /** A deleted snapshot's map, kept while volumes hold it (the rows stay; this records why). */
    public void retain(String snapshotId) {
        jdbc.update("insert into retained_block_map (snapshot_id) values (?) on conflict do nothing", snapshotId);
    }

    /**
     * Whether the deleted snapshot's map is retained, its row locked until the transaction ends: shared by a
     * snapshot of a volume reading the map, exclusive by the release that may discard it (they take turns).
     */
    public boolean lockRetained(String snapshotId, boolean exclusive) {
        return jdbc.one("select snapshot_id from retained_block_map where snapshot_id = ? "
                + (exclusive ? "for update" : "for share"), rs -> rs.getString(1), snapshotId).isPresent();
    }

    /**
     * The map goes (its blocks are then collectable by the usual rule: unreferenced and untouched for the grace).
     * Explicit, not a cascade from the snapshot's row: a held map outlives the row.
     */
    public void discard(String snapshotId) {
        jdbc.update("delete from snapshot_block where snapshot_id = ?", snapshotId);
        jdbc.update("delete from retained_block_map where snapshot_id = ?", snapshotId);
    }

    /** A map all the snapshot's own: copied here (the replicator wrote every block), or taken from a volume. */
    public void recordOwn(String snapshotId, List<MappedBlock> map) {
        Integer[] indexes = map.stream().map(MappedBlock::index).toArray(Integer[]::new);
        String[] hexes = map.stream().map(b -> BlockChecksum.fromBase64(b.checksum()).hex()).toArray(String[]::new);
        jdbc.update("insert into snapshot_block (snapshot_id, block_index, checksum, changed) "
                + "select ?, e.idx, e.checksum, true from unnest(?::int[], ?::text[]) as e(idx, checksum)", snapshotId,
                indexes, hexes);
    }
}
