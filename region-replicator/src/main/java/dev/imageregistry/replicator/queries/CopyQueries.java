package dev.imageregistry.replicator.queries;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.replicator.persistence.CopyJobs;

/** What an account may read of the copies into this Region: its own, as EC2 shows only an owner its images. */
@ApplicationScoped
public class CopyQueries {
    private final CopyJobs jobs;

    public CopyQueries(CopyJobs jobs) {
        this.jobs = jobs;
    }

    public record CopyProgress(String imageId, String sourceRegion, String sourceImageId, String state,
            String stateReason, Integer blocksTotal, int blocksDone, int blocksSkipped, long bytesMoved, int progress) {
    }

    /** Another account's copy is not found, as an image it cannot see is not. */
    public CopyProgress progress(String caller, String imageId) {
        if (!ResourceKind.IMAGE.isIssued(imageId)) {
            throw Ec2Exception.malformed(ResourceKind.IMAGE, imageId);
        }
        return jobs.find(imageId).filter(job -> job.ownerId().equals(caller))
                .map(job -> new CopyProgress(job.imageId(), job.sourceRegion(), job.sourceImageId(), job.state(),
                        job.stateReason(), job.blocksTotal(), job.blocksDone(), job.blocksSkipped(), job.bytesMoved(),
                        job.percent()))
                .orElseThrow(() -> Ec2Exception.notFound("InvalidAMIID.NotFound",
                        "The image id '[" + imageId + "]' does not exist"));
    }
}
