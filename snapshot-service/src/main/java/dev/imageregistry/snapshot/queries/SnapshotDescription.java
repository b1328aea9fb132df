package dev.imageregistry.snapshot.queries;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.domain.SnapshotEvent;
import dev.imageregistry.snapshot.persistence.SnapshotRow;

/**
 * A snapshot as the API shows it (StartSnapshot's answer and DescribeSnapshots' items). A CopySnapshot's snapshot
 * has no VolumeSize until its copy completes (it is not known here before), and shows its copy's Progress.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SnapshotDescription(String snapshotId, String ownerId, Integer volumeSize, String parentSnapshotId,
        String description, List<SnapshotEvent.Tag> tags, String status, String stateMessage, Instant startTime,
        Instant completionTime, int blockSize, Integer changedBlocksCount, String checksum, Instant timeoutTime,
        String progress) {

    public static SnapshotDescription of(SnapshotRow r) {
        return of(r, null);
    }

    /** {@code copyPercent}: how far the copy of a pending CopySnapshot has come (null: no progress reported yet). */
    public static SnapshotDescription of(SnapshotRow r, Integer copyPercent) {
        String progress = null;
        if ("completed".equals(r.state())) {
            progress = "100%";
        } else if (r.pending() && r.sourceSnapshotId() != null) {
            progress = (copyPercent == null ? 0 : copyPercent) + "%";
        }
        return new SnapshotDescription(r.snapshotId(), r.ownerId(), r.volumeSize(), r.parentSnapshotId(),
                r.description(), r.tags(), r.state(), r.stateReason(), r.startTime(), r.completionTime(),
                BlockChecksum.BLOCK_SIZE, r.changedBlocks(), r.aggregateChecksum(),
                r.pending() ? r.timeoutAt() : null, progress);
    }
}
