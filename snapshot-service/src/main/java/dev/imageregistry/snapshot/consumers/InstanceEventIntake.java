package dev.imageregistry.snapshot.consumers;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.snapshot.commands.RetainedBlockMaps;
import dev.imageregistry.snapshot.commands.SnapshotsFromVolumes;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;
import dev.imageregistry.snapshot.persistence.VolumeHolds;
import dev.imageregistry.snapshot.persistence.VolumeSnapshotParts.Part;
import io.smallrye.common.annotation.Blocking;

/**
 * The launch-service's instance-events, each applied once (the platform's intake remembers event IDs): each
 * VolumeSnapshotTaken part is handed to {@link SnapshotsFromVolumes}; InstanceLaunched and InstanceStateChanged move
 * the volume-holds read model, applied from the same records under its own name (and rebuilt from the same topic),
 * and a hold a termination released lets {@link RetainedBlockMaps} discard a deleted base's map. The other
 * instance events are the registry's business.
 */
@ApplicationScoped
public class InstanceEventIntake {
    public static final String INTAKE = "volume-snapshots";
    private static final Logger LOG = Logger.getLogger(InstanceEventIntake.class);
    private static final Pattern OWNER = Pattern.compile("[0-9]{12}");

    private final EventIntake intake;
    private final SnapshotsFromVolumes volumes;
    private final VolumeHolds holds;
    private final RetainedBlockMaps retainedMaps;

    public InstanceEventIntake(EventIntake intake, SnapshotsFromVolumes volumes, VolumeHolds holds,
            RetainedBlockMaps retainedMaps) {
        this.intake = intake;
        this.volumes = volumes;
        this.holds = holds;
        this.retainedMaps = retainedMaps;
    }

    /** Set when the volume could not be snapshotted (an optional field of VolumeSnapshotTaken). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Failure(String code, String message) {
    }

    /** The fields of VolumeSnapshotTaken this service needs (a tolerant reader). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record VolumeSnapshotTaken(String instanceId, String volumeId, String snapshotId, String ownerId,
            String baseSnapshotId, String imageId, Integer volumeSize, String description, List<Tag> tags, Integer part,
            Integer parts, List<MappedBlock> writtenBlocks, Instant takenAt, Failure failure) {

        boolean wellFormed() {
            return ResourceKind.SNAPSHOT.isWellFormed(snapshotId) && ResourceKind.SNAPSHOT.isWellFormed(baseSnapshotId)
                    && ResourceKind.INSTANCE.isWellFormed(instanceId) && ResourceKind.VOLUME.isWellFormed(volumeId)
                    && ownerId != null && OWNER.matcher(ownerId).matches() && volumeSize != null && volumeSize >= 1
                    && volumeSize <= 65536 && parts != null && parts >= 1 && part != null && part >= 1
                    && part <= parts && writtenBlocks != null && takenAt != null;
        }

        Part toPart() {
            StateReason failed = failure == null ? null : new StateReason(
                    failure.code() == null ? "VolumeSnapshotFailed" : failure.code(),
                    failure.message() == null ? "The volume " + volumeId + " could not be snapshotted." : failure.message());
            return new Part(snapshotId, part, parts, instanceId, volumeId, ownerId, baseSnapshotId, imageId, volumeSize,
                    description, tags, failed, writtenBlocks, takenAt);
        }
    }

    @Incoming("instance-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(INTAKE, record, this::apply);
        intake.apply(holds.name(), record, event -> holds.apply(event).ifPresent(retainedMaps::released));
    }

    void apply(EventEnvelope event) {
        if (!"VolumeSnapshotTaken".equals(event.type())) {
            return; // launches and terminations are the volume holds'; tags are the registry's
        }
        VolumeSnapshotTaken taken;
        try {
            taken = event.dataAs(VolumeSnapshotTaken.class);
        } catch (IllegalArgumentException unreadable) {
            taken = null; // a field of the wrong type: a poison record, skipped rather than stalling the partition
        }
        if (taken == null || !taken.wellFormed()) {
            LOG.errorf("skipped a malformed VolumeSnapshotTaken %s", event.eventId());
            return;
        }
        volumes.received(taken.toPart());
    }
}
