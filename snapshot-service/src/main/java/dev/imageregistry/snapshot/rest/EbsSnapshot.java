package dev.imageregistry.snapshot.rest;

import java.math.BigDecimal;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.snapshot.domain.SnapshotEvent;
import dev.imageregistry.snapshot.queries.SnapshotDescription;

/**
 * StartSnapshot's answer, exactly the members of EBS's StartSnapshotResponse. StartTime is in epoch seconds (with
 * milliseconds), the JSON number rest-json writes timestamps as; DescribeSnapshots (an EC2 call) keeps its own
 * description of a snapshot.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EbsSnapshot(String description, String snapshotId, String ownerId, String status,
        BigDecimal startTime, long volumeSize, int blockSize, List<SnapshotEvent.Tag> tags, String parentSnapshotId,
        String sseType) {

    /** Snapshots here are not encrypted: EBS says so with SseType none. */
    static EbsSnapshot of(SnapshotDescription d) {
        return new EbsSnapshot(d.description(), d.snapshotId(), d.ownerId(), d.status(),
                BigDecimal.valueOf(d.startTime().toEpochMilli(), 3), d.volumeSize(),
                d.blockSize(), d.tags(), d.parentSnapshotId(), "none");
    }
}
