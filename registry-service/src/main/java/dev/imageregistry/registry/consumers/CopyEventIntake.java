package dev.imageregistry.registry.consumers;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.platform.projection.RaceRetries;
import dev.imageregistry.registry.commands.ImageCommands;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyAssignment;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyFailure;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyResult;
import io.smallrye.common.annotation.Blocking;

/**
 * copy-events, the region-replicator's reports on pending copies: ImageCopied makes the copy available,
 * ImageCopyFailed fails it, each through the registry's own events; ImageCopyAssigned opens a copy that was asked
 * for in another Region for several destinations at once. A redelivered report changes nothing: the intake drops
 * a seen event ID, and a copy that is no longer pending ignores a second verdict. This is not a read model that
 * is ever rebuilt, so replaying the topic can never re-emit a follow-up event.
 */
@ApplicationScoped
public class CopyEventIntake {
    private static final Logger LOG = Logger.getLogger(CopyEventIntake.class);
    /** The name the intake records applied copy events under (kept from before the relayout: it is in the data). */
    static final String CONSUMER = "copy-outcomes";

    private final EventIntake intake;
    private final ImageCommands commands;

    public CopyEventIntake(EventIntake intake, ImageCommands commands) {
        this.intake = intake;
        this.commands = commands;
    }

    /** A verdict that loses a race with the owner is decided again ({@link RaceRetries}). */
    @Incoming("copy-events")
    @Blocking
    public void on(ConsumerRecord<String, String> record) {
        RaceRetries.run(() -> intake.apply(CONSUMER, record, this::decide));
    }

    private void decide(EventEnvelope envelope) {
        switch (envelope.type()) {
            case "ImageCopied" -> {
                CopyResult copied = envelope.dataAs(CopyResult.class);
                if (copied.imageId() != null) {
                    commands.copyCompleted(copied.imageId(), copied);
                }
            }
            case "ImageCopyFailed" -> {
                CopyFailure failure = envelope.dataAs(CopyFailure.class);
                if (failure.imageId() != null) {
                    commands.copyFailed(failure.imageId(), failure.reason());
                }
            }
            case "ImageCopyAssigned" -> {
                CopyAssignment assignment = envelope.dataAs(CopyAssignment.class);
                if (assignment.isComplete()) {
                    commands.copyAssigned(assignment);
                } else {
                    LOG.warnf("ImageCopyAssigned %s ignored: it names no valid image, owner or source", envelope.id());
                }
            }
            default -> {
                // dispatches, progress and other copy events do not change the catalogue
            }
        }
    }
}
