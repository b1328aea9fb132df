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
import dev.imageregistry.replicator.domain.CopyRequest;
import dev.imageregistry.replicator.domain.ImageCopyRequested;
import dev.imageregistry.replicator.domain.SnapshotCopyRequested;
import io.smallrye.common.annotation.Blocking;

/**
 * Turns this Region's copy requests into copy jobs: ImageCopyRequested on image-events (the registry accepted a
 * CopyImage) and SnapshotCopyRequested on snapshot-events (the snapshot-service accepted a CopySnapshot), each keyed
 * by the ID of what the copy makes here. A redelivered event is skipped by the intake; a replayed one (a new event
 * ID) finds its job already there: a copy is never started twice. The rest of both topics is the other services'
 * own business.
 */
@ApplicationScoped
public class CopyRequests {
    /** The names the intake records applied events under ({@code copy-requests} is in the data from before). */
    static final String IMAGE_REQUESTS = "copy-requests";
    static final String SNAPSHOT_REQUESTS = "snapshot-copy-requests";

    private final EventIntake intake;
    private final CopySteps steps;

    public CopyRequests(EventIntake intake, CopySteps steps) {
        this.intake = intake;
        this.steps = steps;
    }

    @Incoming("image-events")
    @Blocking
    @Transactional
    public void onImageEvent(ConsumerRecord<String, String> record) {
        intake.apply(IMAGE_REQUESTS, record, event -> open(event, "ImageCopyRequested", ImageCopyRequested.class));
    }

    @Incoming("snapshot-events")
    @Blocking
    @Transactional
    public void onSnapshotEvent(ConsumerRecord<String, String> record) {
        intake.apply(SNAPSHOT_REQUESTS, record,
                event -> open(event, "SnapshotCopyRequested", SnapshotCopyRequested.class));
    }

    private void open(EventEnvelope event, String type, Class<? extends CopyRequest> request) {
        if (type.equals(event.type())) {
            // The intake made the request's trace current: the job keeps it for the worker to continue.
            steps.open(event.dataAs(request), event.time() != null ? event.time() : Instant.now(),
                    TraceContext.current());
        }
    }
}
