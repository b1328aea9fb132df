package dev.imageregistry.replicator.copies;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.identity.CallerAccount;

/** The progress of a copy into this Region, for the account that asked for it. */
@Path("/copies")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Copies")
public class CopyResource {
    private final CopyJobs jobs;
    private final CallerAccount caller;

    public CopyResource(CopyJobs jobs, CallerAccount caller) {
        this.jobs = jobs;
        this.caller = caller;
    }

    public record CopyProgress(String imageId, String sourceRegion, String sourceImageId, String state,
            String stateReason, Integer blocksTotal, int blocksDone, int blocksSkipped, long bytesMoved, int progress) {
    }

    @GET
    @Path("/{imageId}")
    @Operation(summary = "Progress of the copy that creates the image imageId in this Region")
    public CopyProgress progress(@PathParam("imageId") String imageId) {
        if (!imageId.matches("ami-[0-9a-f]{17}")) {
            throw Ec2Exception.badRequest("InvalidAMIID.Malformed", "Invalid id: \"" + imageId + "\"");
        }
        CopyJob job = jobs.find(imageId).filter(j -> j.ownerId().equals(caller.id()))
                .orElseThrow(() -> Ec2Exception.notFound("InvalidAMIID.NotFound",
                        "The image id '[" + imageId + "]' does not exist"));
        return new CopyProgress(job.imageId(), job.sourceRegion(), job.sourceImageId(), job.state(), job.stateReason(),
                job.blocksTotal(), job.blocksDone(), job.blocksSkipped(), job.bytesMoved(), job.percent());
    }
}
