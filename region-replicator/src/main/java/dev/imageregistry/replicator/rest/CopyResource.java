package dev.imageregistry.replicator.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.platform.identity.CallerAccount;
import dev.imageregistry.replicator.queries.CopyQueries;
import dev.imageregistry.replicator.queries.CopyQueries.CopyProgress;

/** The progress of a copy into this Region (of an image or of a snapshot), for the account that asked for it. */
@Path("/copies")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Copies")
public class CopyResource {
    private final CopyQueries copies;
    private final CallerAccount caller;

    public CopyResource(CopyQueries copies, CallerAccount caller) {
        this.copies = copies;
        this.caller = caller;
    }

    @GET
    @Path("/{copyId}")
    @Operation(summary = "Progress of the copy that creates the image (ami-) or snapshot (snap-) copyId in this Region")
    public CopyProgress progress(@PathParam("copyId") String copyId) {
        return copies.progress(caller.id(), copyId);
    }
}
