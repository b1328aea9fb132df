package dev.imageregistry.platform.projection;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.operators.OperatorRole;

/** Operator calls on the service's read models: list them, and wipe one and rebuild it from its topics. */
@RolesAllowed(OperatorRole.NAME)
@Path("/admin/read-models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
public class ReadModelResource {
    private final Map<String, ReadModel> readModels = new TreeMap<>();
    private final ReadModelRebuild rebuild;

    public ReadModelResource(Instance<ReadModel> readModels, ReadModelRebuild rebuild) {
        readModels.forEach(readModel -> this.readModels.put(readModel.name(), readModel));
        this.rebuild = rebuild;
    }

    public record Listed(String name, List<String> topics) {
    }

    @GET
    @Operation(summary = "Lists this service's read models and the topics each is folded from")
    public List<Listed> list() {
        return readModels.values().stream().map(readModel -> new Listed(readModel.name(), readModel.topics())).toList();
    }

    @POST
    @Path("/{name}/rebuild")
    @Operation(summary = "Wipes a read model and replays its topics from the beginning")
    public ReadModelRebuild.Report rebuild(@PathParam("name") String name) {
        ReadModel readModel = readModels.get(name);
        if (readModel == null) {
            throw Ec2Exception.invalidParameter("Unknown read model '" + (name.length() > 64 ? name.substring(0, 64)
                    + "..." : name) + "'; this service has: " + String.join(", ", readModels.keySet()) + ".");
        }
        return rebuild.rebuild(readModel);
    }
}
