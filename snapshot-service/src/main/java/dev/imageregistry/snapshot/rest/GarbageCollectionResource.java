package dev.imageregistry.snapshot.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.operators.OperatorRole;
import dev.imageregistry.snapshot.commands.GarbageCollection;

/**
 * Operator call: garbage collection on demand, with a dry run. (The image-usage read model is rebuilt by the
 * platform's {@code /admin/read-models/image-usage/rebuild}.)
 */
@RolesAllowed(OperatorRole.NAME)
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
public class GarbageCollectionResource {
    private final GarbageCollection garbageCollection;

    public GarbageCollectionResource(GarbageCollection garbageCollection) {
        this.garbageCollection = garbageCollection;
    }

    @POST
    @Path("/garbage-collection")
    @Operation(summary = "Frees unreferenced blocks older than the grace window; DryRun=true only lists them")
    public GarbageCollection.Report collect(@QueryParam("DryRun") String dryRun) {
        if (dryRun != null && !dryRun.equals("true") && !dryRun.equals("false")) {
            throw Ec2Exception.invalidParameter("DryRun must be true or false.");
        }
        return garbageCollection.collect("true".equals(dryRun));
    }
}
