package dev.imageregistry.snapshot.usage;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.operators.OperatorRole;
import dev.imageregistry.platform.projection.ReadModelRebuild;
import dev.imageregistry.snapshot.blocks.GarbageCollection;

/** Operator endpoints: garbage collection on demand (with a dry run) and rebuilding the read model. */
@RolesAllowed(OperatorRole.NAME)
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
public class OperatorResource {
    private final GarbageCollection garbageCollection;
    private final ImageUsage imageUsage;

    public OperatorResource(GarbageCollection garbageCollection, ImageUsage imageUsage) {
        this.garbageCollection = garbageCollection;
        this.imageUsage = imageUsage;
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

    @POST
    @Path("/read-models/{name}/rebuild")
    @Operation(summary = "Wipes a read model and replays its topics from the beginning")
    public ReadModelRebuild.Report rebuild(@PathParam("name") String name) {
        if (!ImageUsage.READ_MODEL.equals(name)) {
            throw Ec2Exception.invalidParameter("Unknown read model '" + name + "'; this service has " + ImageUsage.READ_MODEL + ".");
        }
        return imageUsage.rebuild();
    }
}
