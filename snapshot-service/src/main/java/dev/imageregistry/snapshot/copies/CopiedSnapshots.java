package dev.imageregistry.snapshot.copies;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.type.TypeReference;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.snapshot.blocks.BlockChecksum;
import dev.imageregistry.snapshot.snapshots.BlockMapParts;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotCompleted;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotFailed;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotStarted;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.snapshots.Snapshots;
import io.smallrye.common.annotation.Blocking;

/**
 * Snapshots the region-replicator copied into this Region. Each SnapshotCopied part of copy-events is recorded;
 * when the last part of a snapshot arrives the snapshot is created here as completed, with its map, and announced
 * on snapshot-events (SnapshotStarted, SnapshotBlocksRecorded, SnapshotCompleted with its lineage).
 *
 * <p>The block objects are trusted to be in the bucket, as the contract says (the replicator put and verified
 * them before publishing): checking thousands of objects inside a consumer's transaction would stall the
 * partition during an S3 outage. Creating a snapshot is a decision, not a projection: the event store, which
 * remembers snapshots even after they are deleted, is what keeps a replay of copy-events from creating one twice.
 */
@ApplicationScoped
public class CopiedSnapshots {
    public static final String INTAKE = "copied-snapshots";
    private static final Logger LOG = Logger.getLogger(CopiedSnapshots.class);
    private static final Pattern OWNER = Pattern.compile("[0-9]{12}");

    private final DataSource db;
    private final EventIntake intake;
    private final EventStore events;

    public CopiedSnapshots(DataSource db, EventIntake intake, EventStore events) {
        this.db = db;
        this.intake = intake;
        this.events = events;
    }

    /** The fields of SnapshotCopied this service needs (a tolerant reader). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record SnapshotCopied(String imageId, String snapshotId, String sourceSnapshotId, String sourceRegion,
            String ownerId, Integer volumeSize, String aggregateChecksum, String description, Integer part,
            Integer parts, List<MappedBlock> blocks) {

        boolean wellFormed() {
            return snapshotId != null && Snapshots.SNAPSHOT_ID.matcher(snapshotId).matches() && imageId != null
                    && sourceSnapshotId != null && sourceRegion != null && ownerId != null
                    && OWNER.matcher(ownerId).matches() && volumeSize != null && volumeSize >= 1
                    && volumeSize <= 65536 && BlockChecksum.fromBase64(aggregateChecksum) != null && parts != null
                    && parts >= 1 && part != null && part >= 1 && part <= parts && blocks != null;
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
        execute("insert into copied_snapshot_part (snapshot_id, part, parts, image_id, source_snapshot_id, "
                + "source_region, owner_id, volume_size, aggregate_checksum, description, blocks) "
                + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) on conflict do nothing", copied.snapshotId(),
                copied.part(), copied.parts(), copied.imageId(), copied.sourceSnapshotId(), copied.sourceRegion(),
                copied.ownerId(), copied.volumeSize(), copied.aggregateChecksum(), copied.description(),
                json(copied.blocks()));
        if (partsReceived(copied.snapshotId()) < copied.parts() || known(copied.snapshotId())) {
            return;
        }
        create(copied);
    }

    private void create(SnapshotCopied first) {
        String id = first.snapshotId();
        List<MappedBlock> map = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select blocks::text from copied_snapshot_part where snapshot_id = ? and part <= ? order by part")) {
            s.setString(1, id);
            s.setInt(2, first.parts());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    map.addAll(EventJson.MAPPER.readValue(rs.getString(1), new TypeReference<List<MappedBlock>>() {
                    }));
                }
            }
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String description = first.description() != null && first.description().length() > 255
                ? first.description().substring(0, 255) : first.description();
        String problem = problem(map, first);
        execute("insert into snapshot (snapshot_id, owner_id, volume_size, description, state, state_reason, "
                + "start_time, timeout_at, completion_time, changed_blocks, aggregate_checksum, version) "
                + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", id, first.ownerId(), first.volumeSize(), description,
                problem == null ? "completed" : "error", problem == null ? null : "ChecksumMismatch: " + problem,
                Timestamp.from(now), Timestamp.from(now), problem == null ? Timestamp.from(now) : null,
                problem == null ? map.size() : null, problem == null ? first.aggregateChecksum() : null);
        List<SnapshotEvent> happened = new ArrayList<>();
        happened.add(new SnapshotStarted(id, first.ownerId(), first.volumeSize(), null, description, List.of(), now));
        if (problem != null) {
            // The replicator verified the map already; a map that does not add up is refused, never served.
            LOG.errorf("copied snapshot %s refused: %s", id, problem);
            happened.add(new SnapshotFailed(id, first.ownerId(), new StateReason("ChecksumMismatch", problem)));
        } else {
            recordBlocks(id, map);
            happened.addAll(BlockMapParts.of(id, first.ownerId(), first.volumeSize(), map));
            happened.add(new SnapshotCompleted(id, first.ownerId(), first.volumeSize(), null, map.size(),
                    first.aggregateChecksum(), BlockChecksum.ALGORITHM, description, now, first.sourceSnapshotId(),
                    first.sourceRegion()));
        }
        execute("update snapshot set version = ? where snapshot_id = ?", (long) happened.size(), id);
        events.append(id, 0, happened);
    }

    /** Why the assembled map cannot be a snapshot (null when it can). */
    private static String problem(List<MappedBlock> map, SnapshotCopied copied) {
        long capacity = (long) copied.volumeSize() * 2048;
        int previous = -1;
        for (MappedBlock block : map) {
            if (block == null || block.index() <= previous || block.index() >= capacity
                    || BlockChecksum.fromBase64(block.checksum()) == null) {
                return "The block map is not a list of distinct blocks inside the volume, in index order.";
            }
            previous = block.index();
        }
        if (!BlockMapParts.mapChecksum(map).matches(BlockChecksum.fromBase64(copied.aggregateChecksum()))) {
            return "The copied block map does not match its aggregate checksum.";
        }
        return null;
    }

    /**
     * The objects are in the bucket already (stored = true); touching the rows also keeps garbage collection off
     * them until the map below references them.
     */
    private void recordBlocks(String snapshotId, List<MappedBlock> map) {
        try (Connection c = db.getConnection();
                PreparedStatement block = c.prepareStatement("insert into block (checksum, stored, touched_at) "
                        + "values (?, true, now()) on conflict (checksum) do update set stored = true, touched_at = now()");
                PreparedStatement entry = c.prepareStatement("insert into snapshot_block (snapshot_id, block_index, "
                        + "checksum, changed) values (?, ?, ?, true)")) {
            List<String> hexes = map.stream().map(b -> BlockChecksum.fromBase64(b.checksum()).hex()).toList();
            // Sorted and distinct: concurrent writers then lock block rows in the same order (no deadlock).
            for (String hex : hexes.stream().distinct().sorted().toList()) {
                block.setString(1, hex);
                block.addBatch();
            }
            block.executeBatch();
            for (int i = 0; i < map.size(); i++) {
                entry.setString(1, snapshotId);
                entry.setInt(2, map.get(i).index());
                entry.setString(3, hexes.get(i));
                entry.addBatch();
            }
            entry.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private int partsReceived(String snapshotId) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select count(*) from copied_snapshot_part where snapshot_id = ?")) {
            s.setString(1, snapshotId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True once the snapshot was ever created here, even if it was deleted since. */
    private boolean known(String snapshotId) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select 1 from event_store where aggregate_id = ? limit 1")) {
            s.setString(1, snapshotId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void execute(String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String json(Object value) {
        try {
            return EventJson.MAPPER.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
