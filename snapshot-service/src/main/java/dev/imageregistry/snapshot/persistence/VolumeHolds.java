package dev.imageregistry.snapshot.persistence;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.platform.projection.ReadModel;

/**
 * Read model "volume-holds", projected from the launch-service's instance-events: which root volumes hold which
 * base snapshot (a volume reads the blocks it has not written from its base's map). InstanceLaunched adds a hold;
 * InstanceStateChanged to {@code terminated} releases it when the volume is deleted with the instance
 * (deleteOnTermination true); a volume kept after termination (false, or not said) keeps holding, as there is no
 * DeleteVolume here. The platform's {@code /admin/read-models/volume-holds/rebuild} replays instance-events through
 * {@link #project}, which only moves rows: discarding a map on a released hold is the live intake's decision, never
 * a replay's (a replay may see partitions in another order, or a topic that lost old events).
 */
@ApplicationScoped
public class VolumeHolds implements ReadModel {
    public static final String NAME = "volume-holds";
    private static final Logger LOG = Logger.getLogger(VolumeHolds.class);

    private final Jdbc jdbc;

    public VolumeHolds(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record RootVolume(String volumeId, String snapshotId) {
    }

    /** The fields of InstanceLaunched and InstanceStateChanged this view needs (a tolerant reader). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record InstanceFacts(String instanceId, RootVolume rootVolume, Boolean deleteOnTermination, String currentState) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> topics() {
        return List.of("instance-events");
    }

    @Override
    public void clear() {
        jdbc.update("delete from volume_hold");
    }

    @Override
    public void project(EventEnvelope event) {
        apply(event);
    }

    /** Applies one instance event; answers the base snapshot whose hold a termination released, if any. */
    public Optional<String> apply(EventEnvelope event) {
        if (!"InstanceLaunched".equals(event.type()) && !"InstanceStateChanged".equals(event.type())) {
            return Optional.empty();
        }
        InstanceFacts instance;
        try {
            instance = event.dataAs(InstanceFacts.class);
        } catch (IllegalArgumentException unreadable) {
            instance = null; // a field of the wrong type: a poison record, skipped rather than stalling the partition
        }
        if (instance == null || !ResourceKind.INSTANCE.isWellFormed(instance.instanceId())) {
            LOG.errorf("volume holds skipped a malformed %s %s", event.type(), event.eventId());
            return Optional.empty();
        }
        if ("InstanceLaunched".equals(event.type())) {
            hold(event, instance);
            return Optional.empty();
        }
        if (!"terminated".equals(instance.currentState())) {
            return Optional.empty();
        }
        return jdbc.one("update volume_hold set released = true where instance_id = ? and delete_on_termination "
                + "and not released returning snapshot_id", rs -> rs.getString(1), instance.instanceId());
    }

    private void hold(EventEnvelope event, InstanceFacts instance) {
        RootVolume root = instance.rootVolume();
        if (root == null) {
            return; // launched without a root volume from a snapshot: nothing held
        }
        if (!ResourceKind.VOLUME.isWellFormed(root.volumeId()) || !ResourceKind.SNAPSHOT.isWellFormed(root.snapshotId())) {
            LOG.errorf("volume holds skipped the malformed root volume of %s %s", event.type(), event.eventId());
            return;
        }
        // A released volume's row stays: a republished InstanceLaunched does not hold again.
        jdbc.update("insert into volume_hold (volume_id, instance_id, snapshot_id, delete_on_termination) "
                + "values (?, ?, ?, ?) on conflict (volume_id) do nothing", root.volumeId(), instance.instanceId(),
                root.snapshotId(), Boolean.TRUE.equals(instance.deleteOnTermination()));
    }

    /**
     * The volumes holding the snapshot, their rows held FOR SHARE until the transaction ends: a release of one of
     * them waits, and then sees what this transaction decided.
     */
    public List<String> holding(String snapshotId) {
        return jdbc.query("select volume_id from volume_hold where snapshot_id = ? and not released "
                + "order by volume_id for share", rs -> rs.getString(1), snapshotId);
    }
}
