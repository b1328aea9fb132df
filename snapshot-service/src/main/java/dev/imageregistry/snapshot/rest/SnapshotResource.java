package dev.imageregistry.snapshot.rest;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.limits.ActionClass;
import dev.imageregistry.platform.limits.LimitedAs;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.identity.CallerAccount;
import dev.imageregistry.snapshot.commands.BlockWrites;
import dev.imageregistry.snapshot.commands.SnapshotCommands;
import dev.imageregistry.snapshot.domain.BlockBatch;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.domain.SnapshotEvent;
import dev.imageregistry.snapshot.queries.BlockQueries;
import dev.imageregistry.snapshot.queries.SnapshotQueries;
import dev.imageregistry.snapshot.queries.SnapshotQueries.DescribeSnapshotsResult;
import dev.imageregistry.snapshot.queries.SnapshotQuery;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

/**
 * The EBS direct APIs (StartSnapshot, PutSnapshotBlock, CompleteSnapshot, List*, GetSnapshotBlock) and EC2's
 * DescribeSnapshots/DeleteSnapshot/CreateTags/DeleteTags, plus direct uploads (block-uploads, block-references): the
 * client PUTs blocks straight to the object store with requests the service signed, keeping the bytes off the service.
 */
@Path("/snapshots")
@Produces(MediaType.APPLICATION_JSON)
public class SnapshotResource {
    private static final Pattern FILTER_NAME = Pattern.compile("Filter\\.(\\d+)\\.Name");

    private final SnapshotCommands snapshots;
    private final BlockWrites writes;
    private final SnapshotQueries queries;
    private final BlockQueries reads;
    private final CallerAccount caller;
    private final BlockBuffers buffers;
    private final ObjectMapper json;

    public SnapshotResource(SnapshotCommands snapshots, BlockWrites writes, SnapshotQueries queries,
            BlockQueries reads, CallerAccount caller, BlockBuffers buffers, ObjectMapper json) {
        this.snapshots = snapshots;
        this.writes = writes;
        this.queries = queries;
        this.reads = reads;
        this.caller = caller;
        this.buffers = buffers;
        this.json = json;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "StartSnapshot: begin a (possibly incremental) snapshot in state pending")
    public Response start(SnapshotCommands.StartSnapshotRequest request) {
        return Response.status(201).entity(snapshots.start(caller.id(), request)).build();
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

    @POST
    @Path("/{snapshotId}/completion")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "CompleteSnapshot: verifies ChangedBlocksCount and the LINEAR SHA-256 aggregate checksum")
    public SnapshotCommands.CompletionStatus complete(@PathParam("snapshotId") String snapshotId,
            SnapshotCommands.CompleteSnapshotRequest request) {
        return snapshots.complete(caller.id(), snapshotId, request);
    }

    @PUT
    @Path("/{snapshotId}/blocks/{blockIndex}")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "PutSnapshotBlock: 524288 bytes, x-amz-Checksum (base64 SHA-256) verified before storing")
    @LimitedAs(ActionClass.BLOCKS)
    public Response putBlock(@PathParam("snapshotId") String snapshotId, @PathParam("blockIndex") String blockIndex,
            @HeaderParam("x-amz-Checksum") String checksum, @HeaderParam("x-amz-Checksum-Algorithm") String algorithm,
            @HeaderParam("x-amz-Data-Length") String dataLength, InputStream body) {
        Long length = dataLength == null ? null : number("x-amz-Data-Length", dataLength);
        byte[] buffer = buffers.take();
        BlockWrites.BlockWritten written;
        try {
            // put() hashes, stores (a synchronous PUT) and references the block before it returns: after that
            // nothing reads the array any more, and the next write can reuse it.
            written = writes.put(caller.id(), snapshotId, number("BlockIndex", blockIndex),
                    readBlock(body, buffer) ? buffer : null, checksum, algorithm, length);
        } finally {
            buffers.give(buffer);
        }
        return Response.status(201).entity(written).header("x-amz-Checksum", written.checksum())
                .header("x-amz-Checksum-Algorithm", written.checksumAlgorithm()).build();
    }

    @POST
    @Path("/{snapshotId}/block-uploads")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Direct upload, step 1: for up to 100 Blocks ({BlockIndex, Checksum}), the same checks as "
            + "PutSnapshotBlock; each answer is Stored=true (the content is already in the bucket) or a Url and "
            + "Headers: an S3 PUT of the block's 524288 bytes, signed for exactly that SHA-256 (S3 refuses any other "
            + "body), accepted by S3 until UploadsExpireAt")
    @LimitedAs(ActionClass.BLOCKS)
    public BlockWrites.BlockUploads blockUploads(@PathParam("snapshotId") String snapshotId, BlockBatch batch) {
        return writes.uploads(caller.id(), snapshotId, batch);
    }

    @POST
    @Path("/{snapshotId}/block-references")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Direct upload, step 2: puts up to 100 Blocks ({BlockIndex, Checksum}) into the snapshot's "
            + "map as PutSnapshotBlock does, after checking that the object store holds each one; all or nothing: "
            + "a block not in the bucket is 409 InvalidBlock.NotUploaded and nothing is referenced")
    @LimitedAs(ActionClass.BLOCKS)
    public BlockWrites.BlocksReferenced blockReferences(@PathParam("snapshotId") String snapshotId,
            BlockBatch batch) {
        return writes.references(caller.id(), snapshotId, batch);
    }

    @GET
    @Path("/{snapshotId}/blocks")
    @Operation(summary = "ListSnapshotBlocks: written blocks with their tokens and checksums, by index; "
            + "WithDownloadUrls=true adds a short-lived presigned S3 GET URL per block")
    public BlockQueries.SnapshotBlocks listBlocks(@PathParam("snapshotId") String snapshotId,
            @QueryParam("StartingBlockIndex") String start, @QueryParam("MaxResults") String maxResults,
            @QueryParam("NextToken") String nextToken, @QueryParam("WithDownloadUrls") String withDownloadUrls) {
        return reads.list(caller.id(), snapshotId, optionalNumber("StartingBlockIndex", start),
                intOrNull("MaxResults", maxResults), nextToken, flag("WithDownloadUrls", withDownloadUrls));
    }

    @GET
    @Path("/{snapshotId}/changed-blocks")
    @Operation(summary = "ListChangedBlocks: blocks that differ between FirstSnapshotId and this snapshot")
    public BlockQueries.ChangedBlocks changedBlocks(@PathParam("snapshotId") String snapshotId,
            @QueryParam("FirstSnapshotId") String firstSnapshotId, @QueryParam("StartingBlockIndex") String start,
            @QueryParam("MaxResults") String maxResults, @QueryParam("NextToken") String nextToken) {
        return reads.changed(caller.id(), firstSnapshotId, snapshotId, optionalNumber("StartingBlockIndex", start),
                intOrNull("MaxResults", maxResults), nextToken);
    }

    @GET
    @Path("/{snapshotId}/blocks/{blockIndex}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "GetSnapshotBlock: the block's data and checksum; never-written blocks read as zeros")
    @LimitedAs(ActionClass.BLOCKS)
    public Response getBlock(@PathParam("snapshotId") String snapshotId, @PathParam("blockIndex") String blockIndex,
            @QueryParam("BlockToken") String blockToken) {
        BlockQueries.BlockData block = reads.get(caller.id(), snapshotId, number("BlockIndex", blockIndex), blockToken);
        // Wrapped, not copied: a byte[] entity is copied into a new Vert.x buffer, one more 512 KiB per block.
        return Response.ok(Buffer.buffer(Unpooled.wrappedBuffer(block.data())), MediaType.APPLICATION_OCTET_STREAM)
                .header("x-amz-Checksum", block.checksum().base64())
                .header("x-amz-Checksum-Algorithm", BlockChecksum.ALGORITHM)
                .header("x-amz-Data-Length", block.data().length).build();
    }

    /**
     * Reads the body straight from the request into a block-sized array; false unless it is exactly one block.
     * (A byte[] parameter buffers the body in Vert.x and copies it several times while it grows.)
     */
    private static boolean readBlock(InputStream body, byte[] data) {
        try {
            int n = body.readNBytes(data, 0, data.length);
            return n == data.length && body.read() == -1;
        } catch (IOException e) {
            throw Ec2Exception.badRequest("IncompleteBody", "The block's body could not be read: " + e.getMessage());
        }
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

    private static boolean flag(String name, String value) {
        if (value == null || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        throw Ec2Exception.invalidParameter(name + " must be true or false.");
    }

    private static long number(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw Ec2Exception.invalidParameter(name + " must be a number.");
        }
    }

    private static Long optionalNumber(String name, String value) {
        return value == null ? null : number(name, value);
    }

    private static Integer intOrNull(String name, String value) {
        if (value == null) {
            return null;
        }
        long n = number(name, value);
        if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
            throw Ec2Exception.invalidParameter(name + " is out of range.");
        }
        return (int) n;
    }
}
