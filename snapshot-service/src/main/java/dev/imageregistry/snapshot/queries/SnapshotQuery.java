package dev.imageregistry.snapshot.queries;

import java.util.List;
import java.util.Map;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.persistence.SnapshotRows;

/**
 * DescribeSnapshots' parameters, checked: SnapshotId (repeated), Owner (self or account IDs), filters (status,
 * owner-id, snapshot-id, volume-size, parent-snapshot-id, description, tag:KEY), and pagination by snapshot ID.
 */
public record SnapshotQuery(List<String> snapshotIds, List<String> owners, Map<String, List<String>> filters,
        int maxResults, String nextToken) {

    public SnapshotQuery {
        if (maxResults < 5 || maxResults > 1000) {
            throw Ec2Exception.invalidParameter("MaxResults must be 5 to 1000.");
        }
        snapshotIds.forEach(id -> Ec2Exception.requireWellFormed(ResourceKind.SNAPSHOT, id));
        if (nextToken != null && !ResourceKind.SNAPSHOT.isWellFormed(nextToken)) {
            throw Ec2Exception.badRequest("InvalidPaginationToken", "The NextToken is not valid.");
        }
        for (String name : filters.keySet()) {
            if (!SnapshotRows.FILTERS.contains(name) && !(name.startsWith("tag:") && name.length() > 4)) {
                throw Ec2Exception.invalidParameter("The filter '" + name + "' is not supported.");
            }
        }
    }
}
