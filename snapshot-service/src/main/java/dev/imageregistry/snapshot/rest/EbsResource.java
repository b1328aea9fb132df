package dev.imageregistry.snapshot.rest;

import java.io.IOException;
import java.io.InputStream;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.limits.ActionClass;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.identity.CallerAccount;
import dev.imageregistry.platform.limits.LimitedAs;
import dev.imageregistry.snapshot.commands.BlockWrites;
import dev.imageregistry.snapshot.commands.SnapshotCommands;
import dev.imageregistry.snapshot.domain.BlockBatch;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.queries.BlockQueries;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

/**
 * The EBS direct APIs on EBS's own wire (botocore's {@code ebs} model, 2019-11-02): StartSnapshot, PutSnapshotBlock,
 * CompleteSnapshot, ListSnapshotBlocks, ListChangedBlocks, GetSnapshotBlock — paths, headers, camelCase query
 * parameters, status codes and epoch-second timestamps as the model has them, so that the AWS gateway relays them
 * unchanged. Our additions keep that style: {@code Checksum} in listings, {@code withDownloadUrls}, and direct uploads
 * (block-uploads, block-references). Every refusal of these routes is answered in EBS's error shape by
 * {@link EbsRefusals}.
 */
@Path("/snapshots")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "EBS direct APIs")
public class EbsResource {
    private final SnapshotCommands snapshots;
    private final BlockWrites writes;
    private final BlockQueries reads;
    private final CallerAccount caller;
    private final BlockBuffers buffers;

    public EbsResource(SnapshotCommands snapshots, BlockWrites writes, BlockQueries reads, CallerAccount caller,
            BlockBuffers buffers) {
        this.snapshots = snapshots;
        this.writes = writes;
        this.reads = reads;
        this.caller = caller;
        this.buffers = buffers;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "StartSnapshot: begin a (possibly incremental) snapshot in state pending; 201")
    public Response start(SnapshotCommands.StartSnapshotRequest request) {
        return Response.status(201).entity(EbsSnapshot.of(snapshots.start(caller.id(), request))).build();
    }

    @PUT
    @Path("/{snapshotId}/blocks/{blockIndex}")
    // Any content type: the body is the block's bytes whatever a client labels them.
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "PutSnapshotBlock: 524288 bytes, x-amz-Checksum (base64 SHA-256) verified before storing; "
            + "201 with x-amz-Checksum and x-amz-Checksum-Algorithm")
    @LimitedAs(ActionClass.BLOCKS)
    public Response putBlock(@PathParam("snapshotId") String snapshotId, @PathParam("blockIndex") String blockIndex,
            @HeaderParam("x-amz-Checksum") String checksum, @HeaderParam("x-amz-Checksum-Algorithm") String algorithm,
            @HeaderParam("x-amz-Data-Length") String dataLength, @HeaderParam("x-amz-Progress") String progress,
            InputStream body) {
        Long length = dataLength == null ? null : number("x-amz-Data-Length", dataLength);
        // The client's own estimate of its upload (0-100): checked as the model bounds it, not used.
        long percent = progress == null ? 0 : number("x-amz-Progress", progress);
        if (percent < 0 || percent > 100) {
            throw Ec2Exception.invalidParameter("x-amz-Progress must be 0 to 100.");
        }
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
        return Response.status(201).header("x-amz-Checksum", written.checksum())
                .header("x-amz-Checksum-Algorithm", written.checksumAlgorithm()).build();
    }

    @POST
    @Path("/completion/{snapshotId}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "CompleteSnapshot: x-amz-ChangedBlocksCount and the LINEAR SHA-256 aggregate (x-amz-Checksum, "
            + "x-amz-Checksum-Algorithm, x-amz-Checksum-Aggregation-Method) are verified; 202 {Status}")
    public Response complete(@PathParam("snapshotId") String snapshotId,
            @HeaderParam("x-amz-ChangedBlocksCount") String changedBlocksCount,
            @HeaderParam("x-amz-Checksum") String checksum, @HeaderParam("x-amz-Checksum-Algorithm") String algorithm,
            @HeaderParam("x-amz-Checksum-Aggregation-Method") String aggregationMethod) {
        Long count = changedBlocksCount == null ? null : number("x-amz-ChangedBlocksCount", changedBlocksCount);
        // Completion is decided at once here (EBS answers pending and completes later): 202 with the outcome.
        return Response.status(202).entity(snapshots.complete(caller.id(), snapshotId,
                new SnapshotCommands.CompleteSnapshotRequest(count, checksum, algorithm, aggregationMethod))).build();
    }

    @GET
    @Path("/{snapshotId}/blocks")
    @Operation(summary = "ListSnapshotBlocks: written blocks with their tokens and checksums, by index; maxResults "
            + "(100-10000), pageToken (the NextToken answered), startingBlockIndex; withDownloadUrls=true adds a "
            + "short-lived presigned S3 GET URL per block")
    public BlockQueries.SnapshotBlocks listBlocks(@PathParam("snapshotId") String snapshotId,
            @QueryParam("startingBlockIndex") String start, @QueryParam("maxResults") String maxResults,
            @QueryParam("pageToken") String pageToken, @QueryParam("withDownloadUrls") String withDownloadUrls) {
        return reads.list(caller.id(), snapshotId, optionalNumber("startingBlockIndex", start),
                intOrNull("maxResults", maxResults), pageToken, flag("withDownloadUrls", withDownloadUrls));
    }

    @GET
    @Path("/{secondSnapshotId}/changedblocks")
    @Operation(summary = "ListChangedBlocks: blocks that differ between firstSnapshotId and this snapshot; maxResults, "
            + "pageToken, startingBlockIndex")
    public BlockQueries.ChangedBlocks changedBlocks(@PathParam("secondSnapshotId") String secondSnapshotId,
            @QueryParam("firstSnapshotId") String firstSnapshotId, @QueryParam("startingBlockIndex") String start,
            @QueryParam("maxResults") String maxResults, @QueryParam("pageToken") String pageToken) {
        return reads.changed(caller.id(), firstSnapshotId, secondSnapshotId, optionalNumber("startingBlockIndex", start),
                intOrNull("maxResults", maxResults), pageToken);
    }

    @GET
    @Path("/{snapshotId}/blocks/{blockIndex}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "GetSnapshotBlock: the block's data with x-amz-Data-Length, x-amz-Checksum and "
            + "x-amz-Checksum-Algorithm; blockToken as ListSnapshotBlocks gave it; never-written blocks read as zeros")
    @LimitedAs(ActionClass.BLOCKS)
    public Response getBlock(@PathParam("snapshotId") String snapshotId, @PathParam("blockIndex") String blockIndex,
            @QueryParam("blockToken") String blockToken) {
        BlockQueries.BlockData block = reads.get(caller.id(), snapshotId, number("BlockIndex", blockIndex), blockToken);
        // Wrapped, not copied: a byte[] entity is copied into a new Vert.x buffer, one more 512 KiB per block.
        return Response.ok(Buffer.buffer(Unpooled.wrappedBuffer(block.data())), MediaType.APPLICATION_OCTET_STREAM)
                .header("x-amz-Checksum", block.checksum().base64())
                .header("x-amz-Checksum-Algorithm", BlockChecksum.ALGORITHM)
                .header("x-amz-Data-Length", block.data().length).build();
    }

    @POST
    @Path("/{snapshotId}/block-uploads")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Direct upload, step 1 (our addition): for up to 100 Blocks ({BlockIndex, Checksum}), the "
            + "same checks as PutSnapshotBlock; each answer is Stored=true (the content is already in the bucket) or "
            + "a Url and Headers: an S3 PUT of the block's 524288 bytes, signed for exactly that SHA-256 (S3 refuses "
            + "any other body), accepted by S3 until UploadsExpireAt (epoch seconds)")
    @LimitedAs(ActionClass.BLOCKS)
    public BlockWrites.BlockUploads blockUploads(@PathParam("snapshotId") String snapshotId, BlockBatch batch) {
        return writes.uploads(caller.id(), snapshotId, batch);
    }

    @POST
    @Path("/{snapshotId}/block-references")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Direct upload, step 2 (our addition): puts up to 100 Blocks ({BlockIndex, Checksum}) into "
            + "the snapshot's map as PutSnapshotBlock does, after checking that the object store holds each one; all "
            + "or nothing: a block not in the bucket is 409 ConflictException and nothing is referenced")
    @LimitedAs(ActionClass.BLOCKS)
    public BlockWrites.BlocksReferenced blockReferences(@PathParam("snapshotId") String snapshotId,
            BlockBatch batch) {
        return writes.references(caller.id(), snapshotId, batch);
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
