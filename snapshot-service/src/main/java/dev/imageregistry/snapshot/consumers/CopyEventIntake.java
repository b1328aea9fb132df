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
import dev.imageregistry.snapshot.persistence.CopiedSnapshotParts.Part;
import io.smallrye.common.annotation.Blocking;

/**
 * The region-replicator's copy-events: each SnapshotCopied part is handed to {@link SnapshotCopies}, once. The
 * block objects are trusted to be in the bucket, as the contract says (the replicator put and verified them
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

    public CopyEventIntake(EventIntake intake, SnapshotCopies copies) {
        this.intake = intake;
        this.copies = copies;
    }

    /** The fields of SnapshotCopied this service needs (a tolerant reader). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SnapshotCopied(String imageId, String snapshotId, String sourceSnapshotId, String sourceRegion,
            String ownerId, Integer volumeSize, String aggregateChecksum, String description, Integer part,
            Integer parts, List<MappedBlock> blocks) {

        boolean wellFormed() {
            return ResourceKind.SNAPSHOT.isWellFormed(snapshotId) && imageId != null && sourceSnapshotId != null
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

    @Incoming("copy-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(INTAKE, record, this::apply);
    }

    void apply(EventEnvelope event) {
        if (!"SnapshotCopied".equals(event.type())) {
            return; // the registry turns the other copy events into images
        }
        SnapshotCopied copied = event.dataAs(SnapshotCopied.class);
        if (copied == null || !copied.wellFormed()) {
            LOG.errorf("skipped a malformed SnapshotCopied %s", event.eventId());
            return;
        }
        copies.received(copied.toPart());
    }
}
