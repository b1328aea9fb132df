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
import dev.imageregistry.replicator.domain.CopyRequest;
import dev.imageregistry.replicator.domain.CopyStep;
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
     * Opens the copy a service of this Region accepted (the registry's CopyImage, the snapshot-service's
     * CopySnapshot). A copy fanned out from another Region already has ImageCopyAssigned (and, when this Region asked
     * for it, ImageCopyDispatched) on its aggregate here: the copy's own events follow them. The request's trace
     * (made current by the intake) is kept with the job for the worker to continue.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void open(CopyRequest request, Instant requestedAt, String traceparent) {
        jobs.open(CopyJob.opened(request, requestedAt, events.version(request.copyId()), traceparent));
    }

    /** Records finished blocks and renews the lease; publishes progress when asked to (throttled by the caller). */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void recordProgress(String copyId, List<String> done, int skipped, long bytes, boolean publish,
            Duration lease) {
        jobs.recordBlocks(copyId, done, skipped, bytes, lease);
        if (publish) {
            CopyJob job = jobs.lock(copyId);
            append(job, job.progress());
        }
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void fail(String copyId, String code, String message) {
        CopyJob job = jobs.lock(copyId);
        List<CopyEvent> failed = job.fail(code, message);
        if (!failed.isEmpty()) {
            jobs.end(copyId, CopyJob.FAILED, code + ": " + message);
            append(job, failed);
        }
    }

    /**
     * Publishes the new snapshots' block maps (and, for an image, ImageCopied) and marks the copy completed, in one
     * transaction.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void complete(String copyId, CopyStep.Copy copy, Map<String, String> newSnapshotIds) {
        CopyJob job = jobs.lock(copyId);
        List<CopyEvent> result = job.complete(copy, newSnapshotIds);
        if (!result.isEmpty()) {
            jobs.end(copyId, CopyJob.COMPLETED, null);
            append(job, result);
        }
    }

    private void append(CopyJob job, List<CopyEvent> decided) {
        if (decided.isEmpty()) {
            return;
        }
        events.append(job.copyId(), job.version(), decided);
        jobs.advance(job.copyId(), decided.size());
    }
}
