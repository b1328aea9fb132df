package dev.imageregistry.snapshot.persistence;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
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
import dev.imageregistry.snapshot.domain.PackedBlockMap;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;

/**
 * The block maps of snapshots (snapshot_block: index → checksum, changed = written by this snapshot). A map taken
 * from a volume is a layer (block_map_layer) over its base's map: its rows are the volume's writes, and every read
 * resolves an index to the nearest layer that maps it.
 */
@ApplicationScoped
public class BlockMapRows {
    /** Resolution over the map of one snapshot, bound first: {@link #resolved} reads from it. */
    private static final String LAYERS = "with recursive " + layers("layer") + " ";

    /**
     * A recursive CTE named {@code cte}: the layers of the map of the snapshot bound at its place, nearest first
     * (depth 0: its own rows). Bases only ever exist before their layers, so the chain has no cycle; the depth bound
     * guards against a corrupted table.
     */
    private static String layers(String cte) {
        return cte + "(snapshot_id, depth) as (select ?::text, 0 union all select m.base_snapshot_id, l.depth + 1 "
                + "from " + cte + " l join block_map_layer m on m.snapshot_id = l.snapshot_id where l.depth < 10000)";
    }

    /** The resolved map over the layers {@code cte}: one row per index, the nearest layer's. */
    private static String resolved(String cte) {
        return "(select distinct on (sb.block_index) sb.block_index, sb.checksum, sb.changed and l.depth = 0 as changed "
                + "from " + cte + " l join snapshot_block sb on sb.snapshot_id = l.snapshot_id "
                + "order by sb.block_index, l.depth)";
    }

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

    /** The child starts with its parent's (resolved) map; its own writes replace entries and are marked changed. */
    void inherit(String childId, String parentId) {
        jdbc.update(LAYERS + "insert into snapshot_block (snapshot_id, block_index, checksum, changed) "
                + "select ?, m.block_index, m.checksum, false from " + resolved("layer") + " m", parentId, childId);
    }

    /**
     * The whole map of a snapshot being completed (an upload: never a layer), in index order, streamed in pages (a
     * large snapshot has millions of entries).
     */
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
        return jdbc.query(LAYERS + "select m.block_index, m.checksum from " + resolved("layer")
                + " m where m.block_index >= ? order by m.block_index limit ?", rs -> new Entry(rs.getInt(1), rs.getString(2)), snapshotId, start,
                limit);
    }

    /**
     * Indexes whose content differs between two snapshots (present in only one counts as changed); without a first
     * snapshot, every block of the second.
     */
    public List<Difference> differences(String firstSnapshotId, String secondSnapshotId, long start, int limit) {
        return jdbc.query("with recursive " + layers("first_layer") + ", " + layers("second_layer")
                + " select coalesce(a.block_index, b.block_index) as idx, a.checksum, b.checksum "
                + "from " + resolved("first_layer") + " a full join " + resolved("second_layer") + " b "
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
        return jdbc.one(LAYERS + "select s.volume_size, (select sb.checksum from layer l join snapshot_block sb "
                + "on sb.snapshot_id = l.snapshot_id and sb.block_index = ? order by l.depth limit 1) "
                + "from snapshot s where s.snapshot_id = ? and " + SnapshotRows.READABLE,
                rs -> new Located(rs.getInt(1), rs.getString(2)), snapshotId, blockIndex, snapshotId, caller, caller);
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
     * The map goes (its blocks are then collectable by the usual rule: unreferenced and untouched for the grace), and
     * with it its hold on the map it lies over: answers that base, if it was a layer. Explicit, not a cascade from
     * the snapshot's row: a held map outlives the row.
     */
    public Optional<String> discard(String snapshotId) {
        jdbc.update("delete from snapshot_block where snapshot_id = ?", snapshotId);
        jdbc.update("delete from retained_block_map where snapshot_id = ?", snapshotId);
        jdbc.update("delete from packed_block_map where snapshot_id = ?", snapshotId);
        return jdbc.one("delete from block_map_layer where snapshot_id = ? returning base_snapshot_id",
                rs -> rs.getString(1), snapshotId);
    }

    /**
     * The maps laid over this snapshot's (each needs it to resolve), their rows held FOR SHARE until the
     * transaction ends, as the volumes' holds are.
     */
    public List<String> layersOver(String snapshotId) {
        return jdbc.query("select snapshot_id from block_map_layer where base_snapshot_id = ? order by snapshot_id "
                + "for share", rs -> rs.getString(1), snapshotId);
    }

    /**
     * The whole resolved map of a snapshot, packed: as stored beside its rows when its map was made, else (a map made
     * before maps were packed, or an image's snapshot copied here) resolved from its rows once and stored for the next
     * time. Two bakes of one base may both resolve it; the first to commit stores it.
     */
    public PackedBlockMap packed(String snapshotId) {
        return jdbc.one("select entries from packed_block_map where snapshot_id = ?",
                rs -> PackedBlockMap.of(rs.getBytes(1)), snapshotId).orElseGet(() -> {
                    ByteArrayOutputStream entries = new ByteArrayOutputStream();
                    jdbc.forEach(LAYERS + "select m.block_index, decode(m.checksum, 'hex') from " + resolved("layer")
                            + " m order by m.block_index", 10_000, rs -> {
                                entries.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(rs.getInt(1)).array());
                                entries.writeBytes(rs.getBytes(2));
                            }, snapshotId);
                    PackedBlockMap resolved = PackedBlockMap.of(entries.toByteArray());
                    pack(snapshotId, resolved);
                    return resolved;
                });
    }

    /** Stores the snapshot's whole map packed (what a layer over it is computed from). */
    public void pack(String snapshotId, PackedBlockMap map) {
        jdbc.update("insert into packed_block_map (snapshot_id, entries) values (?, ?) on conflict do nothing",
                snapshotId, map.bytes());
    }

    /**
     * A map taken from a volume: the written blocks (index order) as a layer over the base's map, and the whole map
     * they resolve to, packed (a snapshot of a volume made from this one starts from it).
     */
    public void layOver(String snapshotId, String baseSnapshotId, List<MappedBlock> written, PackedBlockMap whole) {
        recordOwn(snapshotId, written);
        pack(snapshotId, whole);
        jdbc.update("insert into block_map_layer (snapshot_id, base_snapshot_id) values (?, ?)", snapshotId,
                baseSnapshotId);
    }

    /** A map all the snapshot's own: copied here (the replicator wrote every block), or taken from a volume. */
    public void recordOwn(String snapshotId, List<MappedBlock> map) {
        jdbc.update("insert into snapshot_block (snapshot_id, block_index, checksum, changed) "
                + "select ?, e.idx, e.checksum, true from unnest(?::int[], ?::text[]) as e(idx, checksum)", snapshotId,
                indexes(map), hexes(map));
    }

    private static Integer[] indexes(List<MappedBlock> map) {
        return map.stream().map(MappedBlock::index).toArray(Integer[]::new);
    }

    private static String[] hexes(List<MappedBlock> map) {
        return map.stream().map(b -> BlockChecksum.fromBase64(b.checksum()).hex()).toArray(String[]::new);
    }
}
