package dev.imageregistry.launch.admin;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.launch.images.ImageProjector;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.operators.OperatorRole;
import dev.imageregistry.platform.projection.ReadModelRebuild;

/** Operator endpoint: wipe the launchable-images read model and replay image-events and snapshot-events. */
@RolesAllowed(OperatorRole.NAME)
@Path("/admin/read-models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
public class ReadModelResource {
    private final ReadModelRebuild rebuild;
    private final ImageProjector projector;

    public ReadModelResource(ReadModelRebuild rebuild, ImageProjector projector) {
        this.rebuild = rebuild;
        this.projector = projector;
    }

    @POST
    @Path("{name}/rebuild")
    @Operation(summary = "Rebuilds a read model from its topics (launchable-images)")
    public ReadModelRebuild.Report rebuild(@PathParam("name") String name) {
        if (!ImageProjector.READ_MODEL.equals(name)) {
            throw Ec2Exception.invalidParameter("Unknown read model '" + (name.length() > 64 ? name.substring(0, 64) : name)
                    + "' (this service has: " + ImageProjector.READ_MODEL + ").");
        }
        return rebuild.rebuild(name, ImageProjector.TOPICS, projector::clear, projector::apply);
    }
}
