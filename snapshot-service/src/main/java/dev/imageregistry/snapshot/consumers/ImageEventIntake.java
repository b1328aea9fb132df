package dev.imageregistry.snapshot.consumers;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.snapshot.commands.SnapshotCommands;
import dev.imageregistry.snapshot.persistence.ImageUsage;
import dev.imageregistry.snapshot.persistence.ImageUsage.ImageFacts;
import io.smallrye.common.annotation.Blocking;

/**
 * The registry's image-events: each is projected into the image-usage read model, once. Deleting the snapshots of
 * an image deregistered with deleteSnapshots is a side effect of live intake only: a rebuild replays the
 * projection and never deletes anything again.
 */
@ApplicationScoped
public class ImageEventIntake {
    private final EventIntake intake;
    private final ImageUsage imageUsage;
    private final SnapshotCommands snapshots;

    public ImageEventIntake(EventIntake intake, ImageUsage imageUsage, SnapshotCommands snapshots) {
        this.intake = intake;
        this.imageUsage = imageUsage;
        this.snapshots = snapshots;
    }

    @Incoming("image-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        EventEnvelope[] applied = new EventEnvelope[1];
        intake.apply(imageUsage.name(), record, event -> {
            imageUsage.project(event);
            applied[0] = event;
        });
        if (applied[0] != null && "ImageDeregistered".equals(applied[0].type())) {
            ImageFacts image = applied[0].dataAs(ImageFacts.class);
            if (Boolean.TRUE.equals(image.deleteSnapshots()) && image.snapshotIds() != null) {
                image.snapshotIds().forEach(id -> snapshots.deleteUnused(image.ownerId(), id));
            }
        }
    }
}
