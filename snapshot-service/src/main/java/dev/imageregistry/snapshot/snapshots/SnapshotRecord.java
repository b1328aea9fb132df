package dev.imageregistry.snapshot.snapshots;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.core.type.TypeReference;

import dev.imageregistry.platform.events.EventJson;

/** One row of the snapshot table: the current state of a snapshot aggregate. */
public record SnapshotRecord(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId,
        String description, List<SnapshotEvent.Tag> tags, String state, String stateReason, Instant startTime,
        Instant timeoutAt, Instant completionTime, Integer changedBlocks, String aggregateChecksum, long version) {

    public static final String COLUMNS = "snapshot_id, owner_id, volume_size, parent_snapshot_id, description, "
            + "tags::text, state, state_reason, start_time, timeout_at, completion_time, changed_blocks, "
            + "aggregate_checksum, version";

    public static SnapshotRecord read(ResultSet rs) throws SQLException {
        List<SnapshotEvent.Tag> tags;
        try {
            tags = EventJson.MAPPER.readValue(rs.getString(6), new TypeReference<List<SnapshotEvent.Tag>>() {
            });
        } catch (Exception e) {
            tags = List.of();
        }
        return new SnapshotRecord(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5),
                tags, rs.getString(7), rs.getString(8), rs.getTimestamp(9).toInstant(),
                rs.getTimestamp(10).toInstant(), rs.getTimestamp(11) == null ? null : rs.getTimestamp(11).toInstant(),
                (Integer) rs.getObject(12), rs.getString(13), rs.getLong(14));
    }

    /** Blocks the volume holds: 2,048 blocks of 512 KiB per GiB. */
    public long blockCapacity() {
        return (long) volumeSize * 2048;
    }

    public boolean pending() {
        return "pending".equals(state);
    }
}
