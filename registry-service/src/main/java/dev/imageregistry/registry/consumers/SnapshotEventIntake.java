package dev.imageregistry.registry.consumers;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.platform.projection.RaceRetries;
import dev.imageregistry.registry.commands.ImageCommands;
import dev.imageregistry.registry.domain.ImageEvent.StateReason;
import dev.imageregistry.registry.persistence.KnownSnapshots;
import io.smallrye.common.annotation.Blocking;

/**
 * snapshot-events, the snapshot-service's: which snapshots of this Region are completed, and whose (the
 * {@link KnownSnapshots} read model); and, live only, the verdict on an image made from an instance, whose root
 * volume's snapshot completed or failed. A rebuild of the read model replays only the projection, so replaying the
 * topic never decides a verdict again (and a second verdict would change nothing: the image is no longer pending).
 */
@ApplicationScoped
public class SnapshotEventIntake {
    private final EventIntake intake;
    private final KnownSnapshots snapshots;
    private final ImageCommands commands;

    public SnapshotEventIntake(EventIntake intake, KnownSnapshots snapshots, ImageCommands commands) {
        this.intake = intake;
        this.snapshots = snapshots;
        this.commands = commands;
    }

    /** What the registry reads of SnapshotFailed. */
    record Failure(String snapshotId, StateReason stateReason) {
    }

    @Incoming("snapshot-events")
    @Blocking
    public void on(ConsumerRecord<String, String> record) {
        RaceRetries.run(() -> intake.apply(snapshots.name(), record, this::apply));
    }

    private void apply(EventEnvelope event) {
        snapshots.project(event);
        String snapshotId = event.data().path("snapshotId").asText(null);
        if (snapshotId == null) {
            return;
        }
        if ("SnapshotCompleted".equals(event.type())) {
            commands.snapshotCompleted(snapshotId);
        } else if ("SnapshotFailed".equals(event.type())) {
            Failure failure = event.dataAs(Failure.class);
            commands.snapshotFailed(snapshotId, failure.stateReason() != null ? failure.stateReason()
                    : new StateReason("Client.SnapshotFailed", "The snapshot of the root volume failed."));
        }
    }
}
