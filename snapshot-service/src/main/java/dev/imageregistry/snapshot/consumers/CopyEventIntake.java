package dev.imageregistry.snapshot.consumers;

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
import dev.imageregistry.snapshot.commands.SnapshotCopies;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.persistence.CopyProgress;
import dev.imageregistry.snapshot.persistence.CopiedSnapshotParts.Part;
import io.smallrye.common.annotation.Blocking;

/**
 * The region-replicator's copy-events, each applied once: SnapshotCopied parts (of an image's copy, or without an
 * image of a CopySnapshot) and SnapshotCopyFailed are handed to {@link SnapshotCopies}; SnapshotCopyProgressed only
 * moves the copy-progress read model, which is applied from the same records (and rebuilt from the same topic).
 * The block objects are trusted to be in the bucket, as the contract says (the replicator put and verified them
 * before publishing): checking thousands of objects inside a consumer's transaction would stall the partition
 * during an S3 outage.
 */
@ApplicationScoped
public class CopyEventIntake {
    public static final String INTAKE = "copied-snapshots";
    private static final Logger LOG = Logger.getLogger(CopyEventIntake.class);
    private static final Pattern OWNER = Pattern.compile("[0-9]{12}");

    private final EventIntake intake;
    private final SnapshotCopies copies;
    private final CopyProgress progress;

    public CopyEventIntake(EventIntake intake, SnapshotCopies copies, CopyProgress progress) {
        this.intake = intake;
        this.copies = copies;
        this.progress = progress;
    }

    /** The fields of SnapshotCopied this service needs (a tolerant reader). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SnapshotCopied(String imageId, String snapshotId, String sourceSnapshotId, String sourceRegion,
            String ownerId, Integer volumeSize, String aggregateChecksum, String description, Integer part,
            Integer parts, List<MappedBlock> blocks) {

        boolean wellFormed() {
            // imageId is absent for a CopySnapshot
            return ResourceKind.SNAPSHOT.isWellFormed(snapshotId) && sourceSnapshotId != null
                    && sourceRegion != null && ownerId != null && OWNER.matcher(ownerId).matches()
                    && volumeSize != null && volumeSize >= 1 && volumeSize <= 65536
                    && BlockChecksum.fromBase64(aggregateChecksum) != null && parts != null && parts >= 1
                    && part != null && part >= 1 && part <= parts && blocks != null;
        }

        Part toPart() {
            return new Part(snapshotId, part, parts, imageId, sourceSnapshotId, sourceRegion, ownerId, volumeSize,
                    aggregateChecksum, description, blocks);
        }
    }

    /** The fields of SnapshotCopyFailed this service needs (a tolerant reader). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SnapshotCopyFailed(String snapshotId, String sourceSnapshotId, String sourceRegion,
            StateReason stateReason) {

        boolean wellFormed() {
            return ResourceKind.SNAPSHOT.isWellFormed(snapshotId) && stateReason != null
                    && stateReason.code() != null && stateReason.message() != null;
        }
    }

    @Incoming("copy-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(INTAKE, record, this::apply);
        intake.apply(progress.name(), record, progress::project);
    }

    void apply(EventEnvelope event) {
        switch (event.type()) {
            case "SnapshotCopied" -> {
                SnapshotCopied copied = read(event, SnapshotCopied.class);
                if (copied == null || !copied.wellFormed()) {
                    LOG.errorf("skipped a malformed SnapshotCopied %s", event.eventId());
                    return;
                }
                copies.received(copied.toPart());
            }
            case "SnapshotCopyFailed" -> {
                SnapshotCopyFailed failed = read(event, SnapshotCopyFailed.class);
                if (failed == null || !failed.wellFormed()) {
                    LOG.errorf("skipped a malformed SnapshotCopyFailed %s", event.eventId());
                    return;
                }
                copies.failed(failed.snapshotId(), failed.stateReason());
            }
            default -> {
                // SnapshotCopyProgressed is the copy-progress read model's; the registry turns the image copy events
                // into images.
            }
        }
    }

    /** The event's data, or null for a field of the wrong type (a poison record, skipped, not stalling the partition). */
    private static <T> T read(EventEnvelope event, Class<T> type) {
        try {
            return event.dataAs(type);
        } catch (IllegalArgumentException unreadable) {
            return null;
        }
    }
}
