package dev.imageregistry.snapshot.persistence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;


import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;
import dev.imageregistry.snapshot.domain.VolumeSnapshot;

/**
 * The parts of VolumeSnapshotTaken as the launch-service delivered them (volume_snapshot_part), kept after the
 * snapshot is made: the record of what arrived.
 */
@ApplicationScoped
public class VolumeSnapshotParts {
    private final Jdbc jdbc;

    public VolumeSnapshotParts(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** One VolumeSnapshotTaken part; {@code failure} set: the volume could not be snapshotted. */
    public record Part(String snapshotId, int part, int parts, String instanceId, String volumeId, String ownerId,
            String baseSnapshotId, String imageId, int volumeSize, String description, List<Tag> tags,
            StateReason failure, List<MappedBlock> writtenBlocks, Instant takenAt) {

        /** The snapshot to make from this part alone (a failure, or a map of one part). */
        public VolumeSnapshot alone() {
            return with(writtenBlocks);
        }

        public VolumeSnapshot with(List<MappedBlock> allWrittenBlocks) {
            return new VolumeSnapshot(snapshotId, ownerId, instanceId, volumeId, imageId, baseSnapshotId, volumeSize,
                    description, tags, failure, allWrittenBlocks);
        }
    }

    /** Records a part; one received before (the same snapshot and part) is left as it is. */
    public void record(Part part) {
        jdbc.update("insert into volume_snapshot_part (snapshot_id, part, parts, instance_id, volume_id, owner_id, "
                + "base_snapshot_id, image_id, volume_size, description, tags, failure_code, failure_message, "
                + "written_blocks, taken_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?) "
                + "on conflict do nothing", part.snapshotId(), part.part(), part.parts(), part.instanceId(),
                part.volumeId(), part.ownerId(), part.baseSnapshotId(), part.imageId(), part.volumeSize(),
                part.description(), PartJson.write(part.tags() == null ? List.of() : part.tags()),
                part.failure() == null ? null : part.failure().code(),
                part.failure() == null ? null : part.failure().message(), PartJson.write(part.writtenBlocks()),
                part.takenAt());
    }

    public int received(String snapshotId) {
        return jdbc.one("select count(*) from volume_snapshot_part where snapshot_id = ?", rs -> rs.getInt(1),
                snapshotId).orElse(0);
    }

    /** The written blocks of parts 1 to {@code parts}, reassembled in part order. */
    public List<MappedBlock> writtenBlocks(String snapshotId, int parts) {
        List<MappedBlock> blocks = new ArrayList<>();
        jdbc.query("select written_blocks::text from volume_snapshot_part where snapshot_id = ? and part <= ? "
                + "order by part", rs -> blocks.addAll(PartJson.blocks(rs.getString(1))), snapshotId, parts);
        return blocks;
    }
}
