package dev.imageregistry.snapshot.queries;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.domain.SnapshotEvent;
import dev.imageregistry.snapshot.persistence.SnapshotRow;

/** A snapshot as the API shows it (StartSnapshot's answer and DescribeSnapshots' items). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SnapshotDescription(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId,
        String description, List<SnapshotEvent.Tag> tags, String status, String stateMessage, Instant startTime,
        Instant completionTime, int blockSize, Integer changedBlocksCount, String checksum, Instant timeoutTime) {

    public static SnapshotDescription of(SnapshotRow r) {
        return new SnapshotDescription(r.snapshotId(), r.ownerId(), r.volumeSize(), r.parentSnapshotId(),
                r.description(), r.tags(), r.state(), r.stateReason(), r.startTime(), r.completionTime(),
                BlockChecksum.BLOCK_SIZE, r.changedBlocks(), r.aggregateChecksum(), r.pending() ? r.timeoutAt() : null);
    }
}
