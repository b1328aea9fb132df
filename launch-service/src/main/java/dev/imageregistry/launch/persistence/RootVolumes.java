package dev.imageregistry.launch.persistence;

import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.platform.persistence.Jdbc;

/**
 * Root volumes as copy-on-write views of a snapshot, like EBS volumes restored from a snapshot with lazy
 * loading: creating one records its size and base snapshot and copies no block, so it takes the same time for
 * a 1 GiB and a 64 GiB image. A block the volume has not written reads from the base snapshot's block of the
 * same index (through the snapshot-service); a written block is recorded in volume_block.
 */
@ApplicationScoped
public class RootVolumes {
    /** The EBS direct API's block size, which snapshots use too. */
    public static final long BLOCK_SIZE = 512 * 1024;
    private static final long BLOCKS_PER_GIB = (1024L * 1024 * 1024) / BLOCK_SIZE;

    private final Jdbc jdbc;

    public RootVolumes(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    public record Volume(String volumeId, String instanceId, String baseSnapshotId, int sizeGib, long blockSpan,
            Long baseBlockCount, String state) {
    }

    /** Where a block of a volume is read from: the volume's own copy, or the base snapshot's block. */
    public record BlockSource(String volumeId, long blockIndex, String snapshotId, String checksum) {
        public boolean fromSnapshot() {
            return snapshotId != null;
        }
    }

    /** Creates the volume unless it already exists (a retried worker step creates nothing twice). */
    public Volume create(String volumeId, String instanceId, String snapshotId, int sizeGib, Long baseBlockCount) {
        jdbc.update("insert into volume (volume_id, instance_id, base_snapshot_id, size_gib, block_span, "
                + "base_block_count, state, create_time) values (?, ?, ?, ?, ?, ?, 'in-use', ?) "
                + "on conflict (volume_id) do nothing", volumeId, instanceId, snapshotId, sizeGib,
                sizeGib * BLOCKS_PER_GIB, baseBlockCount, Instant.now());
        return find(volumeId).orElseThrow();
    }

    public void delete(String volumeId) {
        jdbc.update("update volume set state = 'deleted' where volume_id = ?", volumeId);
        jdbc.update("delete from volume_block where volume_id = ?", volumeId);
    }

    public Optional<Volume> find(String volumeId) {
        return jdbc.one("select * from volume where volume_id = ?", rs -> {
            long baseBlocks = rs.getLong("base_block_count");
            Long baseBlockCount = rs.wasNull() ? null : baseBlocks;
            return new Volume(rs.getString("volume_id"), rs.getString("instance_id"),
                    rs.getString("base_snapshot_id"), rs.getInt("size_gib"), rs.getLong("block_span"),
                    baseBlockCount, rs.getString("state"));
        }, volumeId);
    }

    /** Whether the volume is the root volume of one of {@code account}'s instances, and not deleted. */
    public boolean ownedBy(String account, String volumeId) {
        return jdbc.one("select 1 from volume v join instance i on i.instance_id = v.instance_id "
                + "where v.volume_id = ? and i.owner_id = ? and v.state <> 'deleted'", rs -> true, volumeId, account)
                .orElse(false);
    }

    /** Resolves one block of a volume through its block map; empty when the index lies outside the volume. */
    public Optional<BlockSource> block(String volumeId, long blockIndex) {
        return find(volumeId).filter(v -> blockIndex >= 0 && blockIndex < v.blockSpan()).map(volume -> jdbc
                .one("select checksum from volume_block where volume_id = ? and block_index = ?",
                        rs -> new BlockSource(volumeId, blockIndex, null, rs.getString(1)), volumeId, blockIndex)
                .orElse(new BlockSource(volumeId, blockIndex, volume.baseSnapshotId(), null)));
    }

    /** How many blocks the volume holds itself: zero after creation, however large the image. */
    public long ownBlocks(String volumeId) {
        return jdbc.one("select count(*) from volume_block where volume_id = ?", rs -> rs.getLong(1), volumeId)
                .orElse(0L);
    }
}
