package dev.imageregistry.snapshot.persistence;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;

import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.snapshot.domain.Snapshot;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;
import dev.imageregistry.snapshot.domain.SnapshotState;

/**
 * One row of the snapshot table: the aggregate as its events left it (projected in the transaction that appended
 * them, so at the same version), plus what DescribeSnapshots shows and the events do not carry: the deadline of a
 * pending snapshot and how many blocks a completed one wrote itself. {@code volumeSize} is null while a
 * CopySnapshot's copy is pending (not known yet), {@code sourceRegion}/{@code sourceSnapshotId} are a CopySnapshot's
 * source.
 */
public record SnapshotRow(String snapshotId, String ownerId, Integer volumeSize, String parentSnapshotId,
        String description, List<Tag> tags, String state, String stateReason, Instant startTime,
        Instant timeoutAt, Instant completionTime, Integer changedBlocks, String aggregateChecksum, long version,
        String sourceRegion, String sourceSnapshotId) {

    static final String COLUMNS = "s.snapshot_id, s.owner_id, s.volume_size, s.parent_snapshot_id, s.description, "
            + "s.tags::text, s.state, s.state_reason, s.start_time, s.timeout_at, s.completion_time, s.changed_blocks, "
            + "s.aggregate_checksum, s.version, s.source_region, s.source_snapshot_id";

    static SnapshotRow read(ResultSet rs) throws SQLException {
        List<Tag> tags;
        try {
            tags = EventJson.MAPPER.readValue(rs.getString(6), new TypeReference<List<Tag>>() {
            });
        } catch (Exception e) {
            tags = List.of();
        }
        return new SnapshotRow(rs.getString(1), rs.getString(2), (Integer) rs.getObject(3), rs.getString(4),
                rs.getString(5), tags, rs.getString(7), rs.getString(8), Jdbc.instant(rs, "start_time"),
                Jdbc.instant(rs, "timeout_at"), Jdbc.instant(rs, "completion_time"), (Integer) rs.getObject(12),
                rs.getString(13), rs.getLong(14), rs.getString(15), rs.getString(16));
    }

    public boolean pending() {
        return "pending".equals(state);
    }

    /**
     * The aggregate this row caches, for the hot path of block writes (one round trip instead of loading events)
     * and for a parent or a snapshot the caller reads.
     */
    public Snapshot snapshot() {
        Map<String, String> map = new LinkedHashMap<>();
        tags.forEach(tag -> map.put(tag.key(), tag.value()));
        return new Snapshot(snapshotId, ownerId, volumeSize == null ? 0 : volumeSize, parentSnapshotId, description,
                map, SnapshotState.of(state), version,
                sourceSnapshotId == null ? null : new Snapshot.CopySource(sourceRegion, sourceSnapshotId));
    }
}
