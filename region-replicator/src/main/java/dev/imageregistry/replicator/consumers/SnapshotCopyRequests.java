package dev.imageregistry.replicator.consumers;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.platform.tracing.TraceContext;
import dev.imageregistry.replicator.commands.CopySteps;
import dev.imageregistry.replicator.domain.SnapshotCopyRequested;
import io.smallrye.common.annotation.Blocking;

/**
 * Turns this Region's SnapshotCopyRequested events (the snapshot-service accepted a CopySnapshot) into copy jobs,
 * keyed by the new snapshot's ID. A redelivered event is skipped by the intake; a replayed one (a new event ID)
 * finds its job already there: a copy is never started twice.
 */
@ApplicationScoped
public class SnapshotCopyRequests {
    static final String READ_MODEL = "snapshot-copy-requests";

    private final EventIntake intake;
    private final CopySteps steps;

    public SnapshotCopyRequests(EventIntake intake, CopySteps steps) {
        this.intake = intake;
        this.steps = steps;
    }

    @Incoming("snapshot-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(READ_MODEL, record, this::project);
    }

    void project(EventEnvelope event) {
        if (!"SnapshotCopyRequested".equals(event.type())) {
            return; // the rest of this Region's snapshot-events is the snapshot-service's own business
        }
        // The intake made the request's trace current: the job keeps it for the worker to continue.
        steps.open(event.dataAs(SnapshotCopyRequested.class), event.time() != null ? event.time() : Instant.now(),
                TraceContext.current());
    }
}
