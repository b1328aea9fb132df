package dev.imageregistry.registry.snapshots;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import io.smallrye.common.annotation.Blocking;

/**
 * The registry's knowledge of this Region's snapshots, learnt from the snapshot-service's events (never by
 * calling it): which are completed, and who owns them. A deletion is final, so a late completion of a deleted
 * snapshot does not bring it back.
 */
@ApplicationScoped
public class KnownSnapshots {
    public static final String READ_MODEL = "snapshots";

    private final EventIntake intake;
    private final DataSource dataSource;

    public KnownSnapshots(EventIntake intake, DataSource dataSource) {
        this.intake = intake;
        this.dataSource = dataSource;
    }

    /** What the registry reads of SnapshotCompleted, SnapshotFailed and SnapshotDeleted. */
    public record SnapshotFacts(String snapshotId, String ownerId, Integer volumeSize) {
    }

    @Incoming("snapshot-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(READ_MODEL, record, this::project);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void project(EventEnvelope envelope) {
        String state = switch (envelope.type()) {
            case "SnapshotCompleted" -> "completed";
            case "SnapshotFailed" -> "failed";
            case "SnapshotDeleted" -> "deleted";
            default -> null;
        };
        if (state == null) {
            return;
        }
        SnapshotFacts facts = envelope.dataAs(SnapshotFacts.class);
        if (facts.snapshotId() == null || facts.ownerId() == null) {
            return;
        }
        run("insert into known_snapshot (snapshot_id, owner_id, state, volume_size) values (?, ?, ?, ?) "
                + "on conflict (snapshot_id) do update set state = excluded.state, "
                + "volume_size = case when excluded.volume_size > 0 then excluded.volume_size else known_snapshot.volume_size end "
                + "where known_snapshot.state <> 'deleted'",
                facts.snapshotId(), facts.ownerId(), state, facts.volumeSize() == null ? 0 : facts.volumeSize());
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void clear() {
        run("delete from known_snapshot");
    }

    private void run(String sql, Object... params) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not record a snapshot event", e);
        }
    }
}
