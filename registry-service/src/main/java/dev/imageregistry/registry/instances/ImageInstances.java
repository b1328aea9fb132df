package dev.imageregistry.registry.instances;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import io.smallrye.common.annotation.Blocking;

/**
 * The registry's view of the instances launched from its images, learnt from the launch-service's events: when
 * an image was last launched (DescribeImages' LastLaunchedTime) and how many instances still use it (the
 * warning of DeregisterImage; deregistering never stops them, as on EC2).
 *
 * <p>Instance events are keyed by instance ID, so one instance's events arrive in order; the version guard
 * still makes a stale or repeated state change harmless.
 */
@ApplicationScoped
public class ImageInstances {
    public static final String READ_MODEL = "instances";

    private final EventIntake intake;
    private final DataSource dataSource;

    public ImageInstances(EventIntake intake, DataSource dataSource) {
        this.intake = intake;
        this.dataSource = dataSource;
    }

    /** What the registry reads of InstanceLaunched and InstanceStateChanged. */
    public record InstanceFacts(String instanceId, String ownerId, String imageId, Instant launchTime,
            String currentState) {
    }

    @Incoming("instance-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(READ_MODEL, record, this::project);
    }

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
            Timestamp launched = Timestamp.from(facts.launchTime() != null ? facts.launchTime() : envelope.time());
            run("insert into image_instance (instance_id, image_id, owner_id, state, launch_time, version) "
                    + "values (?, ?, ?, 'pending', ?, ?) on conflict (instance_id) do nothing",
                    facts.instanceId(), facts.imageId(), facts.ownerId() == null ? "" : facts.ownerId(), launched,
                    version);
            run("insert into image_last_launch (image_id, last_launched_time) values (?, ?) on conflict (image_id) "
                    + "do update set last_launched_time = greatest(image_last_launch.last_launched_time, "
                    + "excluded.last_launched_time)", facts.imageId(), launched);
        } else if (facts.currentState() != null) {
            run("update image_instance set state = ?, version = ? where instance_id = ? and version < ?",
                    facts.currentState(), version, facts.instanceId(), version);
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void clear() {
        run("delete from image_instance");
        run("delete from image_last_launch");
    }

    /** How many instances launched from the image have not terminated (pending, running, stopping, stopped…). */
    public int inUse(String imageId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement count = connection.prepareStatement(
                        "select count(*) from image_instance where image_id = ? and state <> 'terminated'")) {
            count.setString(1, imageId);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not count the instances of an image", e);
        }
    }

    private void run(String sql, Object... params) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not record an instance event", e);
        }
    }
}
