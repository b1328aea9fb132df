package dev.imageregistry.launch.consumers;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.launch.persistence.LaunchableImagesReadModel;
import dev.imageregistry.platform.projection.EventIntake;
import io.smallrye.common.annotation.Blocking;

/**
 * Consumes the snapshot-service's snapshot-events into the same read model as the image events (a completed
 * snapshot's block count, a deleted snapshot that can root no new volume); exactly once, as for image-events.
 */
@ApplicationScoped
public class SnapshotEventIntake {
    private final EventIntake intake;
    private final LaunchableImagesReadModel readModel;

    public SnapshotEventIntake(EventIntake intake, LaunchableImagesReadModel readModel) {
        this.intake = intake;
        this.readModel = readModel;
    }

    @Incoming("snapshot-events")
    @Blocking
    @Transactional
    public void onSnapshotEvent(ConsumerRecord<String, String> record) {
        intake.apply(readModel.name(), record, readModel::project);
    }
}
