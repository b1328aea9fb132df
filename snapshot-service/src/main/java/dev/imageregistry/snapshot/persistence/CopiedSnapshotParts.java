package dev.imageregistry.snapshot.persistence;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;


import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;

/**
 * The parts of copied snapshots' block maps as the region-replicator delivered them (copied_snapshot_part), kept
 * after the snapshot is created: the record of what arrived.
 */
@ApplicationScoped
public class CopiedSnapshotParts {
    private final Jdbc jdbc;

    public CopiedSnapshotParts(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** One SnapshotCopied part. */
    public record Part(String snapshotId, int part, int parts, String imageId, String sourceSnapshotId,
            String sourceRegion, String ownerId, int volumeSize, String aggregateChecksum, String description,
            List<MappedBlock> blocks) {
    }

    /** Records a part; one received before (the same snapshot and part) is left as it is. */
    public void record(Part part) {
        jdbc.update("insert into copied_snapshot_part (snapshot_id, part, parts, image_id, source_snapshot_id, "
                + "source_region, owner_id, volume_size, aggregate_checksum, description, blocks) "
                + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) on conflict do nothing", part.snapshotId(),
                part.part(), part.parts(), part.imageId(), part.sourceSnapshotId(), part.sourceRegion(),
                part.ownerId(), part.volumeSize(), part.aggregateChecksum(), part.description(),
                PartJson.write(part.blocks()));
    }

    public int received(String snapshotId) {
        return jdbc.one("select count(*) from copied_snapshot_part where snapshot_id = ?", rs -> rs.getInt(1),
                snapshotId).orElse(0);
    }

    /** The map of parts 1 to {@code parts}, reassembled in part order. */
    public List<MappedBlock> map(String snapshotId, int parts) {
        List<MappedBlock> map = new ArrayList<>();
        jdbc.query("select blocks::text from copied_snapshot_part where snapshot_id = ? and part <= ? order by part",
                rs -> map.addAll(PartJson.blocks(rs.getString(1))), snapshotId, parts);
        return map;
    }
}
