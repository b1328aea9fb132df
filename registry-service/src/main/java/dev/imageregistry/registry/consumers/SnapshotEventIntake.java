package dev.imageregistry.registry.consumers;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.registry.persistence.KnownSnapshots;
import io.smallrye.common.annotation.Blocking;

/** snapshot-events, the snapshot-service's: which snapshots of this Region are completed, and whose. */
@ApplicationScoped
public class SnapshotEventIntake {
    private final EventIntake intake;
    private final KnownSnapshots snapshots;

    public SnapshotEventIntake(EventIntake intake, KnownSnapshots snapshots) {
        this.intake = intake;
        this.snapshots = snapshots;
    }

    @Incoming("snapshot-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(snapshots.name(), record, snapshots::project);
    }
}
