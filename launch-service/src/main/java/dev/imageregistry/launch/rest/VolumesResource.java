package dev.imageregistry.launch.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.queries.VolumeQuery;
import dev.imageregistry.launch.queries.VolumeQuery.VolumeBlock;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.identity.CallerAccount;

/** Where a block of one of the caller's root volumes lives (the volume's own copy, or its base snapshot's block). */
@Path("/volumes")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Volumes")
public class VolumesResource {
    private final CallerAccount caller;
    private final VolumeQuery volumes;

    public VolumesResource(CallerAccount caller, VolumeQuery volumes) {
        this.caller = caller;
        this.volumes = volumes;
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
