package dev.imageregistry.launch.images;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.platform.projection.EventIntake;
import io.smallrye.common.annotation.Blocking;

/**
 * Consumes the registry's and snapshot-service's topics into the launchable-images read model. The record is
 * acknowledged after the transaction commits, and EventIntake skips an event it has already applied, so a
 * redelivery changes nothing.
 */
@ApplicationScoped
public class ImageEventIntake {
    private final EventIntake intake;
    private final ImageProjector projector;

    public ImageEventIntake(EventIntake intake, ImageProjector projector) {
        this.intake = intake;
        this.projector = projector;
    }

    @Incoming("image-events")
    @Blocking
    @Transactional
    public void onImageEvent(ConsumerRecord<String, String> record) {
        intake.apply(ImageProjector.READ_MODEL, record, projector::apply);
    }

    @Incoming("snapshot-events")
    @Blocking
    @Transactional
    public void onSnapshotEvent(ConsumerRecord<String, String> record) {
        intake.apply(ImageProjector.READ_MODEL, record, projector::apply);
    }
}
