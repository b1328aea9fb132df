package dev.imageregistry.launch.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.commands.InstanceCommands;
import dev.imageregistry.launch.domain.SnapshotRequest;
import dev.imageregistry.launch.queries.VolumeDescription.CreatedSnapshot;
import dev.imageregistry.launch.queries.VolumeDescription.DescribeVolumesResult;
import dev.imageregistry.launch.queries.VolumeQuery;
import dev.imageregistry.launch.queries.VolumeQuery.VolumeBlock;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.identity.CallerAccount;

/**
 * The caller's root volumes: DescribeVolumes, CreateSnapshot, and where a block of one lives (the volume's own
 * copy, or its base snapshot's block). Thin: it translates HTTP, the commands and queries answer.
 */
@Path("/volumes")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Volumes")
public class VolumesResource {
    private final CallerAccount caller;
    private final VolumeQuery volumes;
    private final InstanceCommands commands;

    public VolumesResource(CallerAccount caller, VolumeQuery volumes, InstanceCommands commands) {
        this.caller = caller;
        this.volumes = volumes;
        this.commands = commands;
    }

    @GET
    @Operation(summary = "DescribeVolumes: the caller's root volumes; VolumeId (repeatable, or VolumeId.N), "
            + "Filter.N.Name / Filter.N.Value.M (volume-id, status, attachment.instance-id, snapshot-id, size), "
            + "MaxResults (5-500), NextToken")
    public DescribeVolumesResult describe(@Context UriInfo uri) {
        DescribeParameters params = DescribeParameters.of(uri.getQueryParameters(), "VolumeId");
        return volumes.describe(caller.id(), params.ids(), params.filters().stream()
                .map(filter -> new VolumeQuery.Filter(filter.name(), filter.values())).toList(),
                params.maxResults(), params.nextToken());
    }

    @POST
    @Path("{volumeId}/snapshots")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "CreateSnapshot: a snapshot of the volume's block map at this moment (pending until the "
            + "snapshot-service has made it; no block is copied)")
    public CreatedSnapshot createSnapshot(@PathParam("volumeId") String volumeId,
            SnapshotRequest.CreateSnapshot request) {
        return commands.createSnapshot(caller.id(), volumeId, request);
    }

    @GET
    @Path("{volumeId}/blocks/{blockIndex}")
    @Operation(summary = "Resolves a block of one of the caller's root volumes through its copy-on-write block map")
    public VolumeBlock block(@PathParam("volumeId") String volumeId, @PathParam("blockIndex") String blockIndex) {
        Ec2Exception.requireWellFormed(ResourceKind.VOLUME, volumeId);
        long index;
        try {
            index = Long.parseLong(blockIndex);
        } catch (NumberFormatException e) {
            throw Ec2Exception.invalidParameter("BlockIndex must be an integer.");
        }
        return volumes.block(caller.id(), volumeId, index);
    }
}
