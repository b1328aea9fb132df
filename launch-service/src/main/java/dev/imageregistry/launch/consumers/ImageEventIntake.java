package dev.imageregistry.launch.consumers;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.commands.InstanceCommands;
import dev.imageregistry.launch.domain.SnapshotRequest;
import dev.imageregistry.launch.persistence.LaunchableImagesReadModel;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.platform.projection.RaceRetries;
import io.smallrye.common.annotation.Blocking;

/**
 * Consumes the registry's image-events: into the launchable-images read model, and, live only, CreateImage's
 * step here (an ImageCreationRequested asks for a snapshot of an instance's root volume). The record is
 * acknowledged after the transaction commits, and EventIntake skips an event it has already applied, so a
 * redelivery changes nothing.
 *
 * <p>The snapshot is not part of the read model: a rebuild replays only the projection, so replaying the topic never
 * asks for a snapshot again. It is applied under a name of its own ({@link #IMAGE_CREATIONS}), so that a rebuild
 * that replayed the request before live intake reached it (and recorded it as applied to the read model) does not
 * make live intake skip the snapshot too. The instance answers each snapshot ID once whatever happens.
 */
@ApplicationScoped
public class ImageEventIntake {
    /** The name the snapshots for images are recorded as applied under (not a read model: never rebuilt). */
    public static final String IMAGE_CREATIONS = "image-creations";
    private static final Logger LOG = Logger.getLogger(ImageEventIntake.class);
    private static final String CREATION_REQUESTED = "ImageCreationRequested";
    /** A snapshot for an instance never launched here can race another for the same ID; the loser runs again. */

    private final EventIntake intake;
    private final LaunchableImagesReadModel readModel;
    private final InstanceCommands commands;

    public ImageEventIntake(EventIntake intake, LaunchableImagesReadModel readModel, InstanceCommands commands) {
        this.intake = intake;
        this.readModel = readModel;
        this.commands = commands;
    }

    /** What this service reads of ImageCreationRequested (docs/events): whose, of which volume, which snapshot. */
    record CreationRequest(String imageId, String ownerId, String sourceInstanceId, String volumeId,
            String snapshotId, List<Mapping> blockDeviceMappings) {

        record Mapping(Ebs ebs) {
        }

        record Ebs(String snapshotId, Integer volumeSize) {
        }

        /** The size the new image's mapping gives the snapshot: all the registry expects of it. */
        Integer expectedSize() {
            if (blockDeviceMappings == null) {
                return null;
            }
            return blockDeviceMappings.stream().filter(m -> m.ebs() != null && snapshotId.equals(m.ebs().snapshotId()))
                    .map(m -> m.ebs().volumeSize()).findFirst().orElse(null);
        }
    }

    @Incoming("image-events")
    @Blocking
    public void onImageEvent(ConsumerRecord<String, String> record) {
        boolean creation = isCreationRequest(record);
        RaceRetries.run(() -> {
            intake.apply(readModel.name(), record, readModel::project);
            if (creation) {
                intake.apply(IMAGE_CREATIONS, record, this::snapshotForImage);
            }
        });
    }

    private void snapshotForImage(EventEnvelope event) {
        CreationRequest request = event.dataAs(CreationRequest.class);
        if (!ResourceKind.INSTANCE.isWellFormed(request.sourceInstanceId())
                || !ResourceKind.SNAPSHOT.isWellFormed(request.snapshotId()) || request.ownerId() == null) {
            // Outside the contract: no instance to answer on, so it is logged for an operator rather than retried.
            LOG.errorf("ImageCreationRequested %s skipped: no well-formed sourceInstanceId, snapshotId and ownerId",
                    event.id());
            return;
        }
        commands.snapshotForImage(request.sourceInstanceId(), new SnapshotRequest(request.snapshotId(),
                request.ownerId(), request.volumeId(), request.imageId(), request.expectedSize(), null, null));
    }

    /** Read once up front; an unreadable record is the read model's intake to count and skip. */
    private static boolean isCreationRequest(ConsumerRecord<String, String> record) {
        try {
            return CREATION_REQUESTED.equals(EventJson.read(record.value()).type());
        } catch (RuntimeException e) {
            return false;
        }
    }
}
