package dev.imageregistry.launch.consumers;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.launch.persistence.LaunchableImagesReadModel;
import dev.imageregistry.platform.projection.EventIntake;
import io.smallrye.common.annotation.Blocking;

/**
 * Consumes the registry's image-events into the launchable-images read model. The record is acknowledged after the
 * transaction commits, and EventIntake skips an event it has already applied, so a redelivery changes nothing.
 */
@ApplicationScoped
public class ImageEventIntake {
    private final EventIntake intake;
    private final LaunchableImagesReadModel readModel;

    public ImageEventIntake(EventIntake intake, LaunchableImagesReadModel readModel) {
        this.intake = intake;
        this.readModel = readModel;
    }

    @Incoming("image-events")
    @Blocking
    @Transactional
    public void onImageEvent(ConsumerRecord<String, String> record) {
        intake.apply(readModel.name(), record, readModel::project);
    }
}
