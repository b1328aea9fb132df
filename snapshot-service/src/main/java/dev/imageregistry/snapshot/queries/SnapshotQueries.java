package dev.imageregistry.snapshot.queries;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.domain.Snapshot;
import dev.imageregistry.snapshot.persistence.CopyProgress;
import dev.imageregistry.snapshot.persistence.SnapshotRow;
import dev.imageregistry.snapshot.persistence.SnapshotRows;

/** DescribeSnapshots, and who may read a snapshot: its owner, or whoever may launch an enabled image that maps it. */
@ApplicationScoped
public class SnapshotQueries {
    private final SnapshotRows rows;
    private final CopyProgress copyProgress;

    public SnapshotQueries(SnapshotRows rows, CopyProgress copyProgress) {
        this.rows = rows;
        this.copyProgress = copyProgress;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DescribeSnapshotsResult(List<SnapshotDescription> snapshots, String nextToken) {
    }

    /** A snapshot the caller may read; one it may not is answered exactly like one that does not exist. */
    public SnapshotRow readable(String caller, String snapshotId) {
        Ec2Exception.requireWellFormed(ResourceKind.SNAPSHOT, snapshotId);
        return rows.readable(caller, snapshotId).orElseThrow(() -> Snapshot.notFound(snapshotId));
    }

    public DescribeSnapshotsResult describe(String caller, SnapshotQuery query) {
        // As EC2: a named snapshot that does not exist (or may not be seen) is an error, not an empty answer.
        query.snapshotIds().forEach(id -> readable(caller, id));
        List<SnapshotRow> page = rows.describe(caller, query.snapshotIds(), query.owners(), query.filters(),
                query.maxResults(), query.nextToken());
        Map<String, Integer> progress = copyProgress.percentDone(page.stream()
                .filter(r -> r.pending() && r.sourceSnapshotId() != null).map(SnapshotRow::snapshotId).toList());
        List<SnapshotDescription> found = new ArrayList<>(page.stream()
                .map(r -> SnapshotDescription.of(r, progress.get(r.snapshotId()))).toList());
        String next = null;
        if (found.size() > query.maxResults()) {
            found.remove(query.maxResults());
            next = found.get(query.maxResults() - 1).snapshotId();
        }
        return new DescribeSnapshotsResult(found, next);
    }
}
