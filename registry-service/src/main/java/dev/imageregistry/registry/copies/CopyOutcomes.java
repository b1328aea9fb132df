package dev.imageregistry.registry.copies;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.registry.image.ImageCommands;
import dev.imageregistry.registry.image.ImageCommands.CopyResult;
import dev.imageregistry.registry.image.ImageEvent.StateReason;
import dev.imageregistry.registry.image.ImageParameters;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;

/**
 * The region-replicator's verdicts on pending copies: ImageCopied makes the copy available, ImageCopyFailed
 * fails it, each through the registry's own events; ImageCopyAssigned opens a copy that was asked for in another
 * Region for several destinations at once. A redelivered verdict changes nothing: the intake drops a
 * seen event ID, and a copy that is no longer pending ignores a second verdict. This is not a read model that
 * is ever rebuilt, so replaying the topic can never re-emit a follow-up event.
 */
@ApplicationScoped
public class CopyOutcomes {
    private static final Logger LOG = Logger.getLogger(CopyOutcomes.class);
    static final String CONSUMER = "copy-outcomes";
    private static final int MAX_ATTEMPTS = 10;

    private final EventIntake intake;
    private final ImageCommands commands;

    public CopyOutcomes(EventIntake intake, ImageCommands commands) {
        this.intake = intake;
        this.commands = commands;
    }

    record CopyFailure(String imageId, StateReason stateReason) {
    }

    /**
     * A verdict can lose a race with the owner changing the pending image (tags, description): the conflict rolls
     * back the whole attempt, which is then retried against the new state rather than dropped.
     */
    @Incoming("copy-events")
    @Blocking
    public void on(ConsumerRecord<String, String> record) {
        for (int attempt = 1;; attempt++) {
            try {
                QuarkusTransaction.requiringNew().run(() -> intake.apply(CONSUMER, record, this::decide));
                return;
            } catch (Ec2Exception e) {
                if (e.status() != 409 || attempt == MAX_ATTEMPTS) {
                    throw e;
                }
            }
        }
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
                    StateReason reason = failure.stateReason() != null ? failure.stateReason()
                            : new StateReason("Client.CopyFailed", "The copy failed.");
                    commands.copyFailed(failure.imageId(), reason);
                }
            }
            case "ImageCopyAssigned" -> {
                ImageCommands.CopyAssignment assignment = envelope.dataAs(ImageCommands.CopyAssignment.class);
                if (assignment.imageId() != null && assignment.ownerId() != null
                        && ImageParameters.ISSUED_IMAGE_ID.matcher(assignment.imageId()).matches()
                        && ImageParameters.ACCOUNT.matcher(assignment.ownerId()).matches() && assignment.sourceRegion() != null
                        && ImageParameters.REGION.matcher(assignment.sourceRegion()).matches()
                        && assignment.sourceImageId() != null) {
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
