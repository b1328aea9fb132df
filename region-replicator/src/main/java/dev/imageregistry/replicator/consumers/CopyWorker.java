package dev.imageregistry.replicator.consumers;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.tracing.TraceContext;
import dev.imageregistry.replicator.commands.Copier;
import dev.imageregistry.replicator.domain.CopyJob;
import dev.imageregistry.replicator.persistence.CopyJobs;
import io.opentelemetry.api.trace.SpanKind;
import io.quarkus.scheduler.Scheduled;

/**
 * Picks up due copies. Every replica polls; the claim ({@code SKIP LOCKED} plus a lease) gives each copy to one
 * replica at a time, and a replica that dies mid-copy loses its lease, so another resumes the copy.
 */
@ApplicationScoped
public class CopyWorker {
    private static final Logger LOG = Logger.getLogger(CopyWorker.class);

    private final CopyJobs jobs;
    private final Copier copier;
    private final Duration lease;

    public CopyWorker(CopyJobs jobs, Copier copier,
            @ConfigProperty(name = "imageregistry.replicator.lease", defaultValue = "60s") Duration lease) {
        this.jobs = jobs;
        this.copier = copier;
        this.lease = lease;
    }

    @Scheduled(every = "${imageregistry.replicator.poll-interval:500ms}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        Optional<CopyJob> job;
        while ((job = claim()).isPresent()) {
            // The copy runs in the trace of its request: its progress and its outcome carry it on.
            try (TraceContext.Continued span = TraceContext.continueTrace(job.get().traceparent(),
                    "copy " + job.get().copyId(), SpanKind.INTERNAL)) {
                try {
                    copier.run(job.get());
                } catch (RuntimeException e) {
                    span.failed(e);
                    LOG.errorf(e, "copy %s failed unexpectedly; it will be retried", job.get().copyId());
                    jobs.retryLater(job.get().copyId(), e.toString());
                }
            }
        }
    }

    private Optional<CopyJob> claim() {
        try {
            return jobs.claimNext(lease);
        } catch (RuntimeException e) {
            LOG.warnf("could not claim a copy: %s", e.toString());
            return Optional.empty();
        }
    }
}
