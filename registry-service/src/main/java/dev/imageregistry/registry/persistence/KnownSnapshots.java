package dev.imageregistry.registry.persistence;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.platform.projection.ReadModel;

/**
 * The registry's knowledge of this Region's snapshots ({@code known_snapshot}), learnt from the snapshot-service's
 * events (never by calling it): which are completed, and who owns them. A deletion is final, so a late completion
 * of a deleted snapshot does not bring it back.
 */
@ApplicationScoped
public class KnownSnapshots implements ReadModel {
    public static final String NAME = "snapshots";

    private final Jdbc jdbc;

    public KnownSnapshots(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** What the registry reads of SnapshotCompleted, SnapshotFailed and SnapshotDeleted. */
    public record SnapshotFacts(String snapshotId, String ownerId, Integer volumeSize) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> topics() {
        return List.of("snapshot-events");
    }

    @Override
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
        jdbc.update("insert into known_snapshot (snapshot_id, owner_id, state, volume_size) values (?, ?, ?, ?) "
                + "on conflict (snapshot_id) do update set state = excluded.state, "
                + "volume_size = case when excluded.volume_size > 0 then excluded.volume_size else known_snapshot.volume_size end "
                + "where known_snapshot.state <> 'deleted'",
                facts.snapshotId(), facts.ownerId(), state, facts.volumeSize() == null ? 0 : facts.volumeSize());
    }

    @Override
    @Transactional(Transactional.TxType.MANDATORY)
    public void clear() {
        jdbc.update("delete from known_snapshot");
    }

    /** The sizes (GiB) of those of {@code snapshotIds} that are completed and owned by {@code ownerId}. */
    public Map<String, Integer> completedSizes(String ownerId, List<String> snapshotIds) {
        return jdbc.query("select snapshot_id, volume_size from known_snapshot where snapshot_id = any(?::text[]) "
                + "and owner_id = ? and state = 'completed'", rs -> Map.entry(rs.getString(1), rs.getInt(2)),
                snapshotIds.toArray(String[]::new), ownerId)
                .stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
