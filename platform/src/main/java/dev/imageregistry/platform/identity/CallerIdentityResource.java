package dev.imageregistry.platform.identity;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.platform.ServiceIdentity;

/** Who the caller is and where: the first thing to try with a new token (like sts get-caller-identity). */
@Path("/caller-identity")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Identity")
public class CallerIdentityResource {
    private final CallerAccount caller;
    private final ServiceIdentity service;

    public CallerIdentityResource(CallerAccount caller, ServiceIdentity service) {
        this.caller = caller;
        this.service = service;
    }

    public record CallerIdentity(String account, String region, String service) {
    }

    @GET
    @Operation(summary = "Returns the account named by the bearer token, and this service's Region")
    public CallerIdentity get() {
        return new CallerIdentity(caller.id(), service.region(), service.service());
    }
}
