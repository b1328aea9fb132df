package dev.imageregistry.replicator.commands;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.replicator.domain.CopyEvent;
import dev.imageregistry.replicator.domain.CopyJob;
import dev.imageregistry.replicator.domain.CopyRequested;
import dev.imageregistry.replicator.domain.SourceImage;
import dev.imageregistry.replicator.domain.SourceSnapshot;
import dev.imageregistry.replicator.persistence.CopyJobs;

/**
 * The steps of a copy that publish something, each in its own transaction: lock the copy's row, let the
 * {@link CopyJob} decide, append its events and bring the row to the same version. A step the job refuses (it is
 * already over) changes nothing.
 */
@ApplicationScoped
public class CopySteps {
    private final CopyJobs jobs;
    private final EventStore events;

    public CopySteps(CopyJobs jobs, EventStore events) {
        this.jobs = jobs;
        this.events = events;
    }

    /**
     * Opens the copy the registry accepted. A copy fanned out from another Region already has ImageCopyAssigned
     * (and, when this Region asked for it, ImageCopyDispatched) on its aggregate here: the copy's own events follow
     * them. The request's trace (made current by the intake) is kept with the job for the worker to continue.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void open(CopyRequested request, Instant requestedAt, String traceparent) {
        jobs.open(new CopyJob(request.imageId(), request.ownerId(), request.sourceRegion(), request.sourceImageId(),
                request.name(), request.description(), request.copyImageTags(), requestedAt, CopyJob.COPYING, null,
                null, 0, 0, 0, 0, events.version(request.imageId()), traceparent));
    }

    /** Records finished blocks and renews the lease; publishes progress when asked to (throttled by the caller). */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void recordProgress(String imageId, List<String> done, int skipped, long bytes, boolean publish,
            Duration lease) {
        jobs.recordBlocks(imageId, done, skipped, bytes, lease);
        if (publish) {
            CopyJob job = jobs.lock(imageId);
            append(job, job.progress());
        }
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void fail(String imageId, String code, String message) {
        CopyJob job = jobs.lock(imageId);
        List<CopyEvent> failed = job.fail(code, message);
        if (!failed.isEmpty()) {
            jobs.end(imageId, CopyJob.FAILED, code + ": " + message);
            append(job, failed);
        }
    }

    /** Publishes the new snapshots' block maps and ImageCopied, and marks the copy completed, in one transaction. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void complete(String imageId, SourceImage image, List<SourceSnapshot> snapshots,
            Map<String, String> destinationIds) {
        CopyJob job = jobs.lock(imageId);
        List<CopyEvent> result = job.complete(image, snapshots, destinationIds);
        if (!result.isEmpty()) {
            jobs.end(imageId, CopyJob.COMPLETED, null);
            append(job, result);
        }
    }

    private void append(CopyJob job, List<CopyEvent> decided) {
        if (decided.isEmpty()) {
            return;
        }
        events.append(job.imageId(), job.version(), decided);
        jobs.advance(job.imageId(), decided.size());
    }
}
