package dev.imageregistry.snapshot.queries;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.domain.Snapshot;
import dev.imageregistry.snapshot.persistence.SnapshotRow;
import dev.imageregistry.snapshot.persistence.SnapshotRows;

/** DescribeSnapshots, and who may read a snapshot: its owner, or whoever may launch an enabled image that maps it. */
@ApplicationScoped
public class SnapshotQueries {
    private final SnapshotRows rows;

    public SnapshotQueries(SnapshotRows rows) {
        this.rows = rows;
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
        List<SnapshotDescription> found = new ArrayList<>(rows.describe(caller, query.snapshotIds(), query.owners(),
                query.filters(), query.maxResults(), query.nextToken()).stream().map(SnapshotDescription::of).toList());
        String next = null;
        if (found.size() > query.maxResults()) {
            found.remove(query.maxResults());
            next = found.get(query.maxResults() - 1).snapshotId();
        }
        return new DescribeSnapshotsResult(found, next);
    }
}
