package dev.imageregistry.snapshot.rest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.identity.CallerAccount;
import dev.imageregistry.snapshot.commands.SnapshotCommands;
import dev.imageregistry.snapshot.domain.SnapshotEvent;
import dev.imageregistry.snapshot.queries.SnapshotQueries;
import dev.imageregistry.snapshot.queries.SnapshotQueries.DescribeSnapshotsResult;
import dev.imageregistry.snapshot.queries.SnapshotQuery;

/**
 * EC2's calls on snapshots: DescribeSnapshots, CopySnapshot, DeleteSnapshot, CreateTags, DeleteTags, in EC2's JSON with EC2's
 * errors (the AWS gateway turns them into EC2's Query answers). The EBS direct APIs are {@link EbsResource}'s.
 */
@Path("/snapshots")
@Produces(MediaType.APPLICATION_JSON)
public class SnapshotResource {
    private static final Pattern FILTER_NAME = Pattern.compile("Filter\\.(\\d+)\\.Name");

    private final SnapshotCommands snapshots;
    private final SnapshotQueries queries;
    private final CallerAccount caller;
    private final ObjectMapper json;

    public SnapshotResource(SnapshotCommands snapshots, SnapshotQueries queries, CallerAccount caller,
            ObjectMapper json) {
        this.snapshots = snapshots;
        this.queries = queries;
        this.caller = caller;
        this.json = json;
    }

    @GET
    @Operation(summary = "DescribeSnapshots: SnapshotId, Owner (self or account), Filter.N.Name/Filter.N.Value.M, MaxResults, NextToken")
    public DescribeSnapshotsResult describe(@QueryParam("SnapshotId") List<String> snapshotIds,
            @QueryParam("Owner") List<String> owners, @QueryParam("MaxResults") Integer maxResults,
            @QueryParam("NextToken") String nextToken, @Context UriInfo uri) {
        int limit = maxResults == null ? 1000 : maxResults;
        return queries.describe(caller.id(), new SnapshotQuery(snapshotIds, owners, filters(uri), limit, nextToken));
    }

    @DELETE
    @Path("/{snapshotId}")
    @Operation(summary = "DeleteSnapshot: refused with InvalidSnapshot.InUse while an image uses the snapshot")
    public Map<String, Object> delete(@PathParam("snapshotId") String snapshotId) {
        snapshots.delete(caller.id(), snapshotId);
        return Map.of("Return", true);
    }

    @POST
    @Path("/copy")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "CopySnapshot: a pending copy of a snapshot of a Region (another or this one), completed by "
            + "the region-replicator; answers the new SnapshotId and its Tags")
    public SnapshotCommands.CopySnapshotResult copy(SnapshotCommands.CopySnapshotRequest request) {
        return snapshots.requestCopy(caller.id(), request);
    }

    /** CreateTags' and DeleteTags' body: {"Tags":[{"Key","Value"}]} (DeleteTags: Value optional, or no body). */
    public record TagsRequest(List<SnapshotEvent.Tag> tags) {
    }

    @POST
    @Path("/{snapshotId}/tags")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "CreateTags: adds or overwrites tags of the caller's snapshot (at most 50 per snapshot)")
    public Map<String, Object> createTags(@PathParam("snapshotId") String snapshotId, TagsRequest request) {
        snapshots.createTags(caller.id(), snapshotId, request == null ? null : request.tags());
        return Map.of("Return", true);
    }

    @DELETE
    @Path("/{snapshotId}/tags")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "DeleteTags: the keys named (only when the value matches, if one is given), or every tag "
            + "without a body")
    public Map<String, Object> deleteTags(@PathParam("snapshotId") String snapshotId, String body)
            throws JsonProcessingException {
        // The body is optional, so a DELETE without one (and without a content type) is read as text first.
        TagsRequest request = body == null || body.isBlank() ? null : json.readValue(body, TagsRequest.class);
        snapshots.deleteTags(caller.id(), snapshotId, request == null ? null : request.tags());
        return Map.of("Return", true);
    }

    /** Filter.1.Name=status&Filter.1.Value.1=completed, as EC2's query API spells filters. */
    private static Map<String, List<String>> filters(UriInfo uri) {
        Map<String, List<String>> filters = new LinkedHashMap<>();
        var params = uri.getQueryParameters();
        for (String key : new TreeMap<>(params).keySet()) {
            Matcher m = FILTER_NAME.matcher(key);
            if (m.matches()) {
                String prefix = "Filter." + m.group(1) + ".Value.";
                List<String> values = params.keySet().stream().filter(k -> k.startsWith(prefix))
                        .flatMap(k -> params.get(k).stream()).toList();
                if (values.isEmpty()) {
                    throw Ec2Exception.invalidParameter("The filter " + params.getFirst(key) + " has no values.");
                }
                filters.put(params.getFirst(key), values);
            }
        }
        return filters;
    }
}
