package dev.imageregistry.replicator.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.platform.identity.CallerAccount;
import dev.imageregistry.replicator.commands.CopyToRegions;
import dev.imageregistry.replicator.domain.CopyImageToRegions;
import dev.imageregistry.replicator.commands.CopyToRegions.RegionCopies;

/** Copy one image to several Regions in one call (beyond EC2, which needs one CopyImage per Region). */
@Path("/image-copies")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Copies")
public class CopyToRegionsResource {
    private final CopyToRegions copies;
    private final CallerAccount caller;

    public CopyToRegionsResource(CopyToRegions copies, CallerAccount caller) {
        this.copies = copies;
        this.caller = caller;
    }

    @POST
    @Operation(summary = "Copy an image to several destination Regions; each copy succeeds or fails on its own")
    public RegionCopies copy(CopyImageToRegions request) {
        return copies.copy(caller.id(), request);
    }
}
