package dev.imageregistry.snapshot.snapshots;

import java.util.List;
import java.util.Map;

import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * DescribeSnapshots' parameters: SnapshotId (repeated), Owner (self or account IDs), filters (status, owner-id,
 * snapshot-id, volume-size, parent-snapshot-id, tag:KEY), and pagination by snapshot ID.
 */
public record SnapshotQuery(List<String> snapshotIds, List<String> owners, Map<String, List<String>> filters,
        int maxResults, String nextToken) {

    private static final Map<String, String> COLUMNS = Map.of("status", "s.state", "owner-id", "s.owner_id",
            "snapshot-id", "s.snapshot_id", "volume-size", "s.volume_size::text", "parent-snapshot-id",
            "s.parent_snapshot_id", "description", "s.description");

    public SnapshotQuery {
        if (maxResults < 5 || maxResults > 1000) {
            throw Ec2Exception.invalidParameter("MaxResults must be 5 to 1000.");
        }
        snapshotIds.forEach(Snapshots::checkId);
        if (nextToken != null && !Snapshots.SNAPSHOT_ID.matcher(nextToken).matches()) {
            throw Ec2Exception.badRequest("InvalidPaginationToken", "The NextToken is not valid.");
        }
        for (String name : filters.keySet()) {
            if (!COLUMNS.containsKey(name) && !(name.startsWith("tag:") && name.length() > 4)) {
                throw Ec2Exception.invalidParameter("The filter '" + name + "' is not supported.");
            }
        }
    }

    void appendTo(StringBuilder sql, List<Object> args, String caller) {
        if (!snapshotIds.isEmpty()) {
            sql.append(" and s.snapshot_id = any (?)");
            args.add(snapshotIds.toArray(String[]::new));
        }
        if (!owners.isEmpty()) {
            sql.append(" and s.owner_id = any (?)");
            args.add(owners.stream().map(o -> "self".equals(o) ? caller : o).toArray(String[]::new));
        }
        filters.forEach((name, values) -> {
            if (name.startsWith("tag:")) {
                sql.append(" and exists (select 1 from jsonb_array_elements(s.tags) t where t->>'key' = ? and t->>'value' = any (?))");
                args.add(name.substring(4));
            } else {
                sql.append(" and ").append(COLUMNS.get(name)).append(" = any (?)");
            }
            args.add(values.toArray(String[]::new));
        });
        if (nextToken != null) {
            sql.append(" and s.snapshot_id > ?");
            args.add(nextToken);
        }
        sql.append(" order by s.snapshot_id limit ").append(maxResults + 1);
    }
}
