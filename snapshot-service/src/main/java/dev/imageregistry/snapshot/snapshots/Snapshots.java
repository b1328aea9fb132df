package dev.imageregistry.snapshot.snapshots;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.idempotency.ClientTokens;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.snapshot.blocks.BlockChecksum;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotCompleted;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotDeleted;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotFailed;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotStarted;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.Tag;

/**
 * Decides what happens to snapshots (start, complete, fail, tag, delete): checks the rules, then writes the new state
 * and its events in one transaction. Blocks are written by {@link dev.imageregistry.snapshot.blocks.BlockMap}.
 */
@ApplicationScoped
public class Snapshots {
    private static final Logger LOG = Logger.getLogger(Snapshots.class);
    /** EC2's snapshot IDs: 17 hex digits, or 8 for older ones, which are valid IDs (an unknown one is NotFound). */
    public static final Pattern SNAPSHOT_ID = Pattern.compile("snap-([0-9a-f]{8}|[0-9a-f]{17})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Who may read a snapshot: its owner, or whoever may launch an enabled image that uses it. */
    public static final String READABLE = "(s.owner_id = ? or exists (select 1 from image_usage_snapshot us "
            + "join image_usage i on i.image_id = us.image_id "
            + "join image_usage_permission p on p.image_id = us.image_id "
            + "where us.snapshot_id = s.snapshot_id and not i.disabled and p.grantee in (?, 'all')))";

    private final DataSource db;
    private final EventStore events;
    private final ClientTokens clientTokens;

    public Snapshots(DataSource db, EventStore events, ClientTokens clientTokens) {
        this.db = db;
        this.events = events;
        this.clientTokens = clientTokens;
    }

    public record StartSnapshotRequest(Integer volumeSize, String parentSnapshotId, String description,
            List<Tag> tags, String clientToken, Integer timeout) {
    }

    public record CompleteSnapshotRequest(Long changedBlocksCount, String checksum, String checksumAlgorithm,
            String checksumAggregationMethod) {
    }

    public record CompletionStatus(String status) {
    }

    @Transactional
    public SnapshotDescription start(String caller, StartSnapshotRequest request) {
        if (request == null || request.volumeSize() == null) {
            throw Ec2Exception.missingParameter("VolumeSize");
        }
        if (request.volumeSize() < 1 || request.volumeSize() > 65536) {
            throw Ec2Exception.invalidParameter("VolumeSize must be 1 to 65536 GiB.");
        }
        if (request.description() != null && request.description().length() > 255) {
            throw Ec2Exception.invalidParameter("Description must be at most 255 characters.");
        }
        List<Tag> tags = request.tags() == null ? List.of() : request.tags();
        if (tags.size() > 50) {
            throw Ec2Exception.invalidParameter("At most 50 tags.");
        }
        for (Tag tag : tags) {
            if (tag == null || tag.key() == null || tag.key().isEmpty() || tag.key().length() > 128
                    || tag.value() == null || tag.value().length() > 256 || tag.key().startsWith("aws:")) {
                throw Ec2Exception.invalidParameter("A tag needs a Key of 1 to 128 characters (not aws:) and a Value of at most 256.");
            }
        }
        int timeout = request.timeout() == null ? 60 : request.timeout();
        if (timeout < 1 || timeout > 4320) {
            throw Ec2Exception.invalidParameter("Timeout must be 1 to 4320 minutes.");
        }
        SnapshotRecord parent = null;
        if (request.parentSnapshotId() != null) {
            parent = readable(caller, request.parentSnapshotId());
            if (!"completed".equals(parent.state())) {
                throw Ec2Exception.badRequest("IncorrectState", "The parent snapshot " + parent.snapshotId() + " is not completed.");
            }
            if (parent.volumeSize() > request.volumeSize()) {
                throw Ec2Exception.invalidParameter("VolumeSize must be at least the parent's (" + parent.volumeSize() + " GiB).");
            }
        }
        SnapshotRecord parentSnapshot = parent;
        StartSnapshotRequest identity = new StartSnapshotRequest(request.volumeSize(), request.parentSnapshotId(),
                request.description(), tags, null, timeout);
        return clientTokens.once(caller, "StartSnapshot", request.clientToken(), identity, SnapshotDescription.class,
                () -> insert(caller, identity, parentSnapshot));
    }

    private SnapshotDescription insert(String owner, StartSnapshotRequest request, SnapshotRecord parent) {
        byte[] random = new byte[9];
        RANDOM.nextBytes(random);
        String id = "snap-" + HexFormat.of().formatHex(random).substring(0, 17);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Instant timeoutAt = now.plus(request.timeout(), ChronoUnit.MINUTES);
        update("insert into snapshot (snapshot_id, owner_id, volume_size, parent_snapshot_id, description, tags, "
                + "state, start_time, timeout_at, version) values (?, ?, ?, ?, ?, ?::jsonb, 'pending', ?, ?, 1)",
                id, owner, request.volumeSize(), request.parentSnapshotId(), request.description(),
                json(request.tags()), Timestamp.from(now), Timestamp.from(timeoutAt));
        if (parent != null) {
            // The child starts with its parent's map; its own writes replace entries and are marked changed.
            update("insert into snapshot_block (snapshot_id, block_index, checksum, changed) "
                    + "select ?, block_index, checksum, false from snapshot_block where snapshot_id = ?", id,
                    parent.snapshotId());
        }
        events.append(id, 0, List.of(new SnapshotStarted(id, owner, request.volumeSize(),
                request.parentSnapshotId(), request.description(), request.tags(), now)));
        return SnapshotDescription.of(lock(id).orElseThrow());
    }

    /**
     * CompleteSnapshot: the changed-blocks count and the aggregate checksum (SHA-256 over the raw SHA-256s of the
     * blocks written in this snapshot, in index order: EBS's LINEAR method) are compared with what was stored.
     * A mismatch is not a refusal: the snapshot moves to error, as on EBS.
     */
    @Transactional
    public CompletionStatus complete(String caller, String snapshotId, CompleteSnapshotRequest request) {
        if (request == null || request.changedBlocksCount() == null) {
            throw Ec2Exception.missingParameter("ChangedBlocksCount");
        }
        if (request.changedBlocksCount() < 0) {
            throw Ec2Exception.invalidParameter("ChangedBlocksCount must not be negative.");
        }
        BlockChecksum expected = null;
        if (request.checksum() != null) {
            expected = BlockChecksum.fromBase64(request.checksum());
            if (expected == null) {
                throw Ec2Exception.invalidParameter("Checksum must be a base64 SHA-256.");
            }
            if (request.checksumAlgorithm() != null && !BlockChecksum.ALGORITHM.equals(request.checksumAlgorithm())) {
                throw Ec2Exception.invalidParameter("ChecksumAlgorithm must be SHA256.");
            }
            if (request.checksumAggregationMethod() != null && !"LINEAR".equals(request.checksumAggregationMethod())) {
                throw Ec2Exception.invalidParameter("ChecksumAggregationMethod must be LINEAR.");
            }
        }
        SnapshotRecord snapshot = owned(caller, snapshotId, true);
        if (!snapshot.pending()) {
            throw Ec2Exception.badRequest("IncorrectState", "The snapshot " + snapshotId + " is " + snapshot.state() + ".");
        }
        MessageDigest aggregate = BlockChecksum.sha256();
        long changed = 0;
        List<MappedBlock> map = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select block_index, checksum, changed from snapshot_block where snapshot_id = ? order by block_index")) {
            s.setString(1, snapshotId);
            s.setFetchSize(10_000);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    BlockChecksum checksum = BlockChecksum.fromHex(rs.getString(2));
                    map.add(new MappedBlock(rs.getInt(1), checksum.base64()));
                    if (rs.getBoolean(3)) {
                        changed++;
                        aggregate.update(checksum.raw());
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        BlockChecksum actual = new BlockChecksum(aggregate.digest());
        if (changed != request.changedBlocksCount()) {
            return fail(snapshot, "ChangedBlocksCountMismatch",
                    "ChangedBlocksCount was " + request.changedBlocksCount() + " but " + changed + " blocks were written.");
        }
        if (expected != null && !expected.matches(actual)) {
            return fail(snapshot, "ChecksumMismatch", "The aggregate checksum does not match the blocks written.");
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        // The full map (inherited blocks too) goes out first, in the same transaction: whoever sees the
        // SnapshotCompleted has already seen every block of the snapshot.
        List<SnapshotEvent> completion = new ArrayList<>(BlockMapParts.of(snapshotId, snapshot.ownerId(),
                snapshot.volumeSize(), map));
        completion.add(new SnapshotCompleted(snapshotId, snapshot.ownerId(), snapshot.volumeSize(),
                snapshot.parentSnapshotId(), map.size(), actual.base64(), BlockChecksum.ALGORITHM,
                snapshot.description(), now));
        update("update snapshot set state = 'completed', completion_time = ?, changed_blocks = ?, "
                + "aggregate_checksum = ?, version = ? where snapshot_id = ?", Timestamp.from(now),
                (int) changed, actual.base64(), snapshot.version() + completion.size(), snapshotId);
        events.append(snapshotId, snapshot.version(), completion);
        return new CompletionStatus("completed");
    }

    private CompletionStatus fail(SnapshotRecord snapshot, String code, String message) {
        update("update snapshot set state = 'error', state_reason = ?, version = version + 1 where snapshot_id = ?",
                code + ": " + message, snapshot.snapshotId());
        events.append(snapshot.snapshotId(), snapshot.version(),
                List.of(new SnapshotFailed(snapshot.snapshotId(), snapshot.ownerId(), new StateReason(code, message))));
        return new CompletionStatus("error");
    }

    /** Pending snapshots past their timeout become error; replicas share the work through SKIP LOCKED. */
    @Transactional
    public int failTimedOut() {
        List<SnapshotRecord> expired = query("select " + SnapshotRecord.COLUMNS + " from snapshot "
                + "where state = 'pending' and timeout_at < now() order by timeout_at limit 100 for update skip locked");
        expired.forEach(s -> fail(s, "Timeout", "The snapshot was not completed within its timeout."));
        return expired.size();
    }

    @Transactional
    public void delete(String caller, String snapshotId) {
        SnapshotRecord snapshot = owned(caller, snapshotId, true);
        List<String> images = imagesUsing(snapshotId);
        if (!images.isEmpty()) {
            throw Ec2Exception.badRequest("InvalidSnapshot.InUse",
                    "The snapshot " + snapshotId + " is currently in use by " + images.get(0) + ".");
        }
        remove(snapshot);
    }

    /** CreateTags on the caller's snapshot, in any state (a deleted one is gone: InvalidSnapshot.NotFound). */
    @Transactional
    public void createTags(String caller, String snapshotId, List<Tag> tags) {
        SnapshotRecord snapshot = owned(caller, snapshotId, true);
        retag(snapshot, snapshot.tag(tags));
    }

    /** DeleteTags on the caller's snapshot: the tags named (matching values, when given), or all of them. */
    @Transactional
    public void deleteTags(String caller, String snapshotId, List<Tag> tags) {
        SnapshotRecord snapshot = owned(caller, snapshotId, true);
        snapshot.untag(tags).ifPresent(untagged -> retag(snapshot, untagged));
    }

    private void retag(SnapshotRecord snapshot, SnapshotEvent event) {
        update("update snapshot set tags = ?::jsonb, version = version + 1 where snapshot_id = ?",
                json(snapshot.tagsAfter(event)), snapshot.snapshotId());
        events.append(snapshot.snapshotId(), snapshot.version(), List.of(event));
    }

    /**
     * After an image was deregistered with its snapshots: deletes those its owner owns that no other image
     * uses. Returns quietly for a snapshot already gone, so a redelivered event changes nothing.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void deleteUnused(String imageOwner, String snapshotId) {
        if (snapshotId == null || !SNAPSHOT_ID.matcher(snapshotId).matches()) {
            return;
        }
        Optional<SnapshotRecord> snapshot = lock(snapshotId);
        if (snapshot.isEmpty() || !snapshot.get().ownerId().equals(imageOwner)) {
            return;
        }
        if (!imagesUsing(snapshotId).isEmpty()) {
            LOG.infof("kept %s: another image still uses it", snapshotId);
            return;
        }
        remove(snapshot.get());
    }

    private void remove(SnapshotRecord snapshot) {
        // The block map goes with the row (cascade); its blocks become garbage after the grace window.
        update("delete from snapshot where snapshot_id = ?", snapshot.snapshotId());
        events.append(snapshot.snapshotId(), snapshot.version(),
                List.of(new SnapshotDeleted(snapshot.snapshotId(), snapshot.ownerId())));
    }

    List<String> imagesUsing(String snapshotId) {
        List<String> images = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select image_id from image_usage_snapshot where snapshot_id = ? order by image_id")) {
            s.setString(1, snapshotId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    images.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return images;
    }

    /** The caller's own snapshot (locked for update when asked), or InvalidSnapshot.NotFound. */
    public SnapshotRecord owned(String caller, String snapshotId, boolean forUpdate) {
        checkId(snapshotId);
        Optional<SnapshotRecord> found = forUpdate ? lock(snapshotId)
                : query("select " + SnapshotRecord.COLUMNS + " from snapshot where snapshot_id = ?", snapshotId)
                        .stream().findFirst();
        return found.filter(s -> s.ownerId().equals(caller)).orElseThrow(() -> notFound(snapshotId));
    }

    /** A snapshot the caller may read; one it may not is answered exactly like one that does not exist. */
    public SnapshotRecord readable(String caller, String snapshotId) {
        checkId(snapshotId);
        return query("select " + SnapshotRecord.COLUMNS + " from snapshot s where s.snapshot_id = ? and " + READABLE,
                snapshotId, caller, caller).stream().findFirst().orElseThrow(() -> notFound(snapshotId));
    }

    /** DescribeSnapshots: the caller's snapshots and those it may read through images, filtered. */
    public List<SnapshotRecord> describe(String caller, SnapshotQuery query) {
        StringBuilder sql = new StringBuilder("select " + SnapshotRecord.COLUMNS + " from snapshot s where " + READABLE);
        List<Object> args = new ArrayList<>(List.of(caller, caller));
        query.appendTo(sql, args, caller);
        return query(sql.toString(), args.toArray());
    }

    private Optional<SnapshotRecord> lock(String snapshotId) {
        return query("select " + SnapshotRecord.COLUMNS + " from snapshot where snapshot_id = ? for update", snapshotId)
                .stream().findFirst();
    }

    public static void checkId(String snapshotId) {
        if (snapshotId == null || !SNAPSHOT_ID.matcher(snapshotId).matches()) {
            throw Ec2Exception.badRequest("InvalidSnapshotID.Malformed", "Invalid snapshot ID: " + snapshotId);
        }
    }

    public static Ec2Exception notFound(String snapshotId) {
        return Ec2Exception.notFound("InvalidSnapshot.NotFound", "The snapshot '" + snapshotId + "' does not exist.");
    }

    private List<SnapshotRecord> query(String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            List<SnapshotRecord> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(SnapshotRecord.read(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void bind(PreparedStatement s, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i]);
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
