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
import dev.imageregistry.replicator.domain.ImageCopyRequested;
import io.smallrye.common.annotation.Blocking;

/**
 * Turns this Region's ImageCopyRequested events (the registry accepted a CopyImage) into copy jobs. A replayed
 * request finds its job already there: a copy is never started twice.
 */
@ApplicationScoped
public class ImageCopyRequests {
    /** The name the intake records applied image-events under (kept from before snapshot copies: it is in the data). */
    static final String READ_MODEL = "copy-requests";

    private final EventIntake intake;
    private final CopySteps steps;

    public ImageCopyRequests(EventIntake intake, CopySteps steps) {
        this.intake = intake;
        this.steps = steps;
    }

    @Incoming("image-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(READ_MODEL, record, this::project);
    }

    void project(EventEnvelope event) {
        if (!"ImageCopyRequested".equals(event.type())) {
            return;
        }
        // The intake made the request's trace current: the job keeps it for the worker to continue.
        steps.open(event.dataAs(ImageCopyRequested.class), event.time() != null ? event.time() : Instant.now(),
                TraceContext.current());
    }
}
