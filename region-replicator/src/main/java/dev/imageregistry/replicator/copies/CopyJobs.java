package dev.imageregistry.replicator.copies;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.platform.tracing.TraceContext;
import dev.imageregistry.replicator.copies.CopyEvent.StateReason;
import dev.imageregistry.replicator.source.SourceSnapshot;

/**
 * The persisted copy jobs: claiming (several replicators share the work through {@code FOR UPDATE SKIP LOCKED}
 * and a lease), progress, and the events each step publishes, written in the same transaction as the step.
 */
@ApplicationScoped
public class CopyJobs {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String COLUMNS = "image_id, owner_id, source_region, source_image_id, name, description, "
            + "copy_image_tags, requested_at, state, state_reason, blocks_total, blocks_done, blocks_skipped, bytes_moved, "
            + "attempts, version, traceparent";

    private final DataSource db;
    private final EventStore events;

    public CopyJobs(DataSource db, EventStore events) {
        this.db = db;
        this.events = events;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void accept(String imageId, String ownerId, String sourceRegion, String sourceImageId, String name,
            String description, boolean copyImageTags, Timestamp requestedAt) {
        // A copy fanned out from another Region already has ImageCopyAssigned (and, when this Region asked for it,
        // ImageCopyDispatched) on its aggregate here: the copy's own events follow them.
        // The request's trace (EventIntake made it current) is kept with the job for the worker to continue.
        update("insert into image_copy (image_id, owner_id, source_region, source_image_id, name, description, "
                + "copy_image_tags, requested_at, state, next_attempt_at, version, traceparent) values (?, ?, ?, ?, ?, "
                + "?, ?, ?, 'copying', now(), (select coalesce(max(aggregate_version), 0) from event_store where "
                + "aggregate_id = ?), ?) on conflict do nothing", imageId, ownerId, sourceRegion, sourceImageId, name,
                description, copyImageTags, requestedAt, imageId, TraceContext.current());
    }

    /** Claims the oldest due copy that no live replicator holds, for {@code lease}. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Optional<CopyJob> claimNext(Duration lease) {
        String sql = "update image_copy set claimed_until = now() + make_interval(secs => ?) where image_id = ("
                + "select image_id from image_copy where state = 'copying' and next_attempt_at <= now() "
                + "and (claimed_until is null or claimed_until < now()) order by requested_at limit 1 "
                + "for update skip locked) returning " + COLUMNS;
        try (Connection c = db.getConnection(); PreparedStatement claim = c.prepareStatement(sql)) {
            claim.setDouble(1, lease.toSeconds());
            try (ResultSet rs = claim.executeQuery()) {
                return rs.next() ? Optional.of(job(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<CopyJob> find(String imageId) {
        try (Connection c = db.getConnection(); PreparedStatement select = c.prepareStatement(
                "select " + COLUMNS + " from image_copy where image_id = ?")) {
            select.setString(1, imageId);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(job(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Chooses the destination snapshot IDs (once: a resumed copy reuses them) and records the distinct blocks to
     * bring. Returns source snapshot ID -> destination snapshot ID.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Map<String, String> plan(String imageId, List<SourceSnapshot> snapshots) {
        Map<String, String> destination = new LinkedHashMap<>();
        try (Connection c = db.getConnection()) {
            for (SourceSnapshot snapshot : snapshots) {
                try (PreparedStatement insert = c.prepareStatement("insert into copy_snapshot (image_id, "
                        + "source_snapshot_id, snapshot_id) values (?, ?, ?) on conflict do nothing")) {
                    insert.setString(1, imageId);
                    insert.setString(2, snapshot.snapshotId());
                    insert.setString(3, "snap-" + HexFormat.of().formatHex(randomBytes(9)).substring(0, 17));
                    insert.executeUpdate();
                }
                try (PreparedStatement blocks = c.prepareStatement("insert into copy_block (image_id, checksum) "
                        + "values (?, ?) on conflict do nothing")) {
                    for (SourceSnapshot.Block block : snapshot.blocks()) {
                        blocks.setString(1, imageId);
                        blocks.setString(2, block.checksum());
                        blocks.addBatch();
                    }
                    blocks.executeBatch();
                }
            }
            try (PreparedStatement select = c.prepareStatement("select source_snapshot_id, snapshot_id from copy_snapshot "
                    + "where image_id = ?")) {
                select.setString(1, imageId);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        destination.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            try (PreparedStatement total = c.prepareStatement("update image_copy set blocks_total = "
                    + "(select count(*) from copy_block where image_id = ?), "
                    + "blocks_done = (select count(*) from copy_block where image_id = ? and done) where image_id = ?")) {
                total.setString(1, imageId);
                total.setString(2, imageId);
                total.setString(3, imageId);
                total.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return destination;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<String> pendingBlocks(String imageId) {
        List<String> pending = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement select = c.prepareStatement(
                "select checksum from copy_block where image_id = ? and not done")) {
            select.setString(1, imageId);
            select.setFetchSize(10_000);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    pending.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return pending;
    }

    /** Records finished blocks and renews the lease; publishes progress when asked to (throttled by the caller). */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public CopyJob recordProgress(String imageId, List<String> done, int skipped, long bytes, boolean publish,
            Duration lease) {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement mark = c.prepareStatement("update copy_block set done = true where image_id = ? "
                    + "and checksum = ?")) {
                for (String checksum : done) {
                    mark.setString(1, imageId);
                    mark.setString(2, checksum);
                    mark.addBatch();
                }
                mark.executeBatch();
            }
            try (PreparedStatement job = c.prepareStatement("update image_copy set blocks_done = blocks_done + ?, "
                    + "blocks_skipped = blocks_skipped + ?, bytes_moved = bytes_moved + ?, "
                    + "claimed_until = now() + make_interval(secs => ?) where image_id = ?")) {
                job.setInt(1, done.size());
                job.setInt(2, skipped);
                job.setLong(3, bytes);
                job.setDouble(4, lease.toSeconds());
                job.setString(5, imageId);
                job.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        CopyJob job = lockedJob(imageId);
        if (publish) {
            append(job, List.of(new CopyEvent.ImageCopyProgressed(imageId, job.blocksDone(),
                    job.blocksTotal() == null ? 0 : job.blocksTotal(), job.bytesMoved(), job.percent())));
        }
        return job;
    }

    /**
     * Not ready yet (the source Region's stream has not caught up): look again soon, without counting a failure.
     * {@code reason} (when not null) is what the copy's progress shows meanwhile.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void waitFor(String imageId, Duration delay, String reason) {
        update("update image_copy set claimed_until = null, next_attempt_at = now() + make_interval(secs => ?), "
                + "state_reason = coalesce(cast(? as text), state_reason) where image_id = ?", (double) delay.toMillis() / 1000,
                reason, imageId);
    }

    /** A transient failure (the source Region unreachable): back off exponentially, up to a minute. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void retryLater(String imageId, String reason) {
        update("update image_copy set claimed_until = null, attempts = attempts + 1, state_reason = ?, "
                + "next_attempt_at = now() + make_interval(secs => least(60, power(2, least(attempts, 6)) * 0.5)) "
                + "where image_id = ?", reason, imageId);
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void fail(String imageId, String code, String message) {
        CopyJob job = lockedJob(imageId);
        if (!"copying".equals(job.state())) {
            return;
        }
        update("update image_copy set state = 'failed', state_reason = ?, claimed_until = null where image_id = ?",
                code + ": " + message, imageId);
        append(job, List.of(new CopyEvent.ImageCopyFailed(imageId, job.sourceImageId(), job.sourceRegion(),
                new StateReason(code, message))));
    }

    /** Publishes the new snapshots' block maps and ImageCopied, and marks the copy completed, in one transaction. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void complete(String imageId, List<CopyEvent> finalEvents) {
        CopyJob job = lockedJob(imageId);
        if (!"copying".equals(job.state())) {
            return;
        }
        update("update image_copy set state = 'completed', state_reason = null, claimed_until = null where image_id = ?",
                imageId);
        append(job, finalEvents);
    }

    private void append(CopyJob job, List<? extends CopyEvent> copyEvents) {
        events.append(job.imageId(), job.version(), copyEvents);
        update("update image_copy set version = version + ? where image_id = ?", copyEvents.size(), job.imageId());
    }

    private CopyJob lockedJob(String imageId) {
        try (Connection c = db.getConnection(); PreparedStatement select = c.prepareStatement(
                "select " + COLUMNS + " from image_copy where image_id = ? for update")) {
            select.setString(1, imageId);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("no copy " + imageId);
                }
                return job(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CopyJob job(ResultSet rs) throws SQLException {
        return new CopyJob(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getBoolean(7), rs.getTimestamp(8).toInstant(), rs.getString(9), rs.getString(10),
                (Integer) rs.getObject(11), rs.getInt(12), rs.getInt(13), rs.getLong(14), rs.getInt(15), rs.getLong(16),
                rs.getString(17));
    }

    private void update(String sql, Object... parameters) {
        try (Connection c = db.getConnection(); PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
