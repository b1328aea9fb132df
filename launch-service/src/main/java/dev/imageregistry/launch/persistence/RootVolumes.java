package dev.imageregistry.launch.persistence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.launch.domain.InstanceEvent.WrittenBlock;
import dev.imageregistry.launch.domain.RootVolumeContents;
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

    /**
     * The volume as a snapshot of it sees it: not created yet, deleted, or there with the blocks it wrote since it
     * was created, in index order.
     */
    public RootVolumeContents contents(String volumeId) {
        Optional<Volume> volume = find(volumeId);
        if (volume.isEmpty()) {
            return RootVolumeContents.creating();
        }
        if ("deleted".equals(volume.get().state())) {
            return RootVolumeContents.deleted();
        }
        return RootVolumeContents.present(jdbc.query("select block_index, checksum from volume_block "
                + "where volume_id = ? order by block_index", rs -> new WrittenBlock(rs.getLong(1), rs.getString(2)),
                volumeId));
    }

    /**
     * A root volume as DescribeVolumes shows it, from the instance that has it: not created yet while the instance
     * is first pending ({@code createTime} null), then in use, and detached once the instance is terminated.
     */
    public record VolumeRow(String volumeId, String instanceId, String deviceName, String snapshotId, int sizeGib,
            boolean deleteOnTermination, String instanceState, Instant launchTime, Instant createTime) {
        public boolean created() {
            return createTime != null;
        }
    }

    /** One of DescribeVolumes' filters as a condition on the instance row {@code i} and its volume {@code v}. */
    public record Condition(String sql, List<Object> params) {
        public Condition {
            params = List.copyOf(params);
        }

        public static Condition volumeIn(List<String> ids) {
            return new Condition("i.root_volume_id in (" + placeholders(ids.size()) + ")", List.copyOf(ids));
        }

        public static Condition instanceIn(List<String> ids) {
            return new Condition("i.instance_id in (" + placeholders(ids.size()) + ")", List.copyOf(ids));
        }

        public static Condition snapshotIn(List<String> ids) {
            return new Condition("i.root_snapshot_id in (" + placeholders(ids.size()) + ")", List.copyOf(ids));
        }

        public static Condition sizeIn(List<Integer> sizes) {
            return new Condition("i.root_volume_size in (" + placeholders(sizes.size()) + ")", List.copyOf(sizes));
        }

        /** EC2's volume states: creating (not made yet), in-use (attached), available (its instance terminated). */
        public static Condition statusIn(List<String> states) {
            List<String> any = new ArrayList<>();
            for (String state : states) {
                switch (state) {
                    case "creating" -> any.add("v.volume_id is null");
                    case "in-use" -> any.add("(v.volume_id is not null and i.state <> 'terminated')");
                    case "available" -> any.add("(v.volume_id is not null and i.state = 'terminated')");
                    default -> any.add("false"); // deleting, deleted, error: never shown
                }
            }
            return new Condition("(" + String.join(" or ", any) + ")", List.of());
        }
    }

    /**
     * A page of the caller's root volumes in ID order: created and not deleted, or about to be created (the
     * instance's first pending); meeting every condition, after {@code afterId} unless null; at most {@code limit}.
     */
    public List<VolumeRow> page(String account, List<Condition> conditions, String afterId, int limit) {
        StringBuilder where = new StringBuilder("i.owner_id = ? and ((v.volume_id is null and i.state = 'pending') "
                + "or (v.volume_id is not null and v.state <> 'deleted'))");
        List<Object> params = new ArrayList<>(List.of(account));
        for (Condition condition : conditions) {
            where.append(" and ").append(condition.sql());
            params.addAll(condition.params());
        }
        if (afterId != null) {
            where.append(" and i.root_volume_id > ?");
            params.add(afterId);
        }
        params.add(limit);
        return jdbc.query("select i.root_volume_id, i.instance_id, i.root_device_name, i.root_snapshot_id, "
                + "i.root_volume_size, i.delete_on_termination, i.state, i.launch_time, v.create_time "
                + "from instance i left join volume v on v.volume_id = i.root_volume_id where " + where
                + " order by i.root_volume_id limit ?", rs -> new VolumeRow(rs.getString(1), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getInt(5), rs.getBoolean(6), rs.getString(7),
                        Jdbc.instant(rs, "launch_time"), Jdbc.instant(rs, "create_time")), params.toArray());
    }

    private static String placeholders(int count) {
        return String.join(", ", Collections.nCopies(Math.max(count, 1), "?"));
    }

    /** How many blocks the volume holds itself: zero after creation, however large the image. */
    public long ownBlocks(String volumeId) {
        return jdbc.one("select count(*) from volume_block where volume_id = ?", rs -> rs.getLong(1), volumeId)
                .orElse(0L);
    }
}
