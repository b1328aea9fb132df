package dev.imageregistry.replicator.queries;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.replicator.domain.CopyJob;
import dev.imageregistry.replicator.domain.CopyOf;
import dev.imageregistry.replicator.persistence.CopyJobs;

/**
 * What an account may read of the copies into this Region: its own, as EC2 shows only an owner its images and
 * snapshots.
 */
@ApplicationScoped
public class CopyQueries {
    private final CopyJobs jobs;

    public CopyQueries(CopyJobs jobs) {
        this.jobs = jobs;
    }

    /**
     * A copy's progress. A CopyImage names its image and source image, a CopySnapshot its snapshot and source
     * snapshot; the other pair is left out.
     */
    public record CopyProgress(@JsonInclude(JsonInclude.Include.NON_NULL) String imageId,
            @JsonInclude(JsonInclude.Include.NON_NULL) String snapshotId, String sourceRegion,
            @JsonInclude(JsonInclude.Include.NON_NULL) String sourceImageId,
            @JsonInclude(JsonInclude.Include.NON_NULL) String sourceSnapshotId, String state, String stateReason,
            Integer blocksTotal, int blocksDone, int blocksSkipped, long bytesMoved, int progress) {

        static CopyProgress of(CopyJob job) {
            boolean snapshot = job.of() instanceof CopyOf.Snapshot;
            return new CopyProgress(snapshot ? null : job.copyId(), snapshot ? job.copyId() : null,
                    job.sourceRegion(), snapshot ? null : job.sourceId(), snapshot ? job.sourceId() : null,
                    job.state(), job.stateReason(), job.blocksTotal(), job.blocksDone(), job.blocksSkipped(),
                    job.bytesMoved(), job.percent());
        }
    }

    /**
     * The copy that makes {@code copyId} (an image or a snapshot) here. Another account's copy is not found, as an
     * image or snapshot it cannot see is not.
     */
    public CopyProgress progress(String caller, String copyId) {
        if (copyId != null && copyId.startsWith(ResourceKind.SNAPSHOT.prefix() + "-")) {
            return owned(caller, copyId, ResourceKind.SNAPSHOT, CopyOf.Snapshot.class)
                    .orElseThrow(() -> Ec2Exception.notFound("InvalidSnapshot.NotFound",
                            "The snapshot '" + copyId + "' does not exist."));
        }
        return owned(caller, copyId, ResourceKind.IMAGE, CopyOf.Image.class)
                .orElseThrow(() -> Ec2Exception.notFound("InvalidAMIID.NotFound",
                        "The image id '[" + copyId + "]' does not exist"));
    }

    private Optional<CopyProgress> owned(String caller, String copyId, ResourceKind kind,
            Class<? extends CopyOf> copyOf) {
        if (!kind.isIssued(copyId)) {
            throw Ec2Exception.malformed(kind, copyId);
        }
        return jobs.find(copyId).filter(job -> job.ownerId().equals(caller) && copyOf.isInstance(job.of()))
                .map(CopyProgress::of);
    }
}
