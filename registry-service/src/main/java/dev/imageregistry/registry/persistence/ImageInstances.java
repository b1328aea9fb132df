package dev.imageregistry.registry.persistence;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.registry.domain.SourceInstance;
import dev.imageregistry.platform.projection.ReadModel;

/**
 * The registry's view of the instances launched from its images ({@code image_instance}, {@code
 * image_last_launch}), learnt from the launch-service's events: when an image was last launched (DescribeImages'
 * LastLaunchedTime) and how many instances still use it (the warning of DeregisterImage; deregistering never stops
 * them, as on EC2).
 *
 * <p>Instance events are keyed by instance ID, so one instance's events arrive in order; the version guard
 * still makes a stale or repeated state change harmless.
 */
@ApplicationScoped
public class ImageInstances implements ReadModel {
    public static final String NAME = "instances";

    private final Jdbc jdbc;

    public ImageInstances(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** What the registry reads of InstanceLaunched and InstanceStateChanged. */
    public record InstanceFacts(String instanceId, String ownerId, String imageId, Instant launchTime,
            String currentState, RootVolume rootVolume) {
    }

    public record RootVolume(String volumeId, Integer volumeSize) {
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
    @Transactional(Transactional.TxType.MANDATORY)
    public void project(EventEnvelope envelope) {
        if (!"InstanceLaunched".equals(envelope.type()) && !"InstanceStateChanged".equals(envelope.type())) {
            return;
        }
        InstanceFacts facts = envelope.dataAs(InstanceFacts.class);
        if (facts.instanceId() == null || facts.imageId() == null) {
            return;
        }
        long version = envelope.aggregateversion();
        if ("InstanceLaunched".equals(envelope.type())) {
            Instant launched = facts.launchTime() != null ? facts.launchTime() : envelope.time();
            RootVolume volume = facts.rootVolume();
            jdbc.update("insert into image_instance (instance_id, image_id, owner_id, state, launch_time, version, "
                    + "volume_id, volume_size) values (?, ?, ?, 'pending', ?, ?, ?, ?) on conflict (instance_id) do nothing",
                    facts.instanceId(), facts.imageId(), facts.ownerId() == null ? "" : facts.ownerId(), launched,
                    version, volume == null ? null : volume.volumeId(), volume == null ? null : volume.volumeSize());
            jdbc.update("insert into image_last_launch (image_id, last_launched_time) values (?, ?) "
                    + "on conflict (image_id) do update set last_launched_time = "
                    + "greatest(image_last_launch.last_launched_time, excluded.last_launched_time)",
                    facts.imageId(), launched);
        } else if (facts.currentState() != null) {
            jdbc.update("update image_instance set state = ?, version = ? where instance_id = ? and version < ?",
                    facts.currentState(), version, facts.instanceId(), version);
        }
    }

    @Override
    @Transactional(Transactional.TxType.MANDATORY)
    public void clear() {
        jdbc.update("delete from image_instance");
        jdbc.update("delete from image_last_launch");
    }

    /** The instance as instance-events told it, for CreateImage (empty when no event of it arrived). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<SourceInstance> instance(String instanceId) {
        return jdbc.one("select instance_id, owner_id, state, image_id, volume_id, volume_size from image_instance "
                + "where instance_id = ?", rs -> new SourceInstance(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), (Integer) rs.getObject(6)), instanceId);
    }

    /** How many instances launched from the image have not terminated (pending, running, stopping, stopped…). */
    public int inUse(String imageId) {
        return jdbc.one("select count(*) from image_instance where image_id = ? and state <> 'terminated'",
                rs -> rs.getInt(1), imageId).orElse(0);
    }
}
