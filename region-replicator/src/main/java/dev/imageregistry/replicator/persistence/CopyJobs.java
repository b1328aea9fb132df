package dev.imageregistry.replicator.persistence;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.replicator.domain.CopyJob;
import dev.imageregistry.replicator.domain.SourceSnapshot;

/**
 * The copies' rows: the cache of each {@link CopyJob} at its version, the claim (several replicators share the work
 * through {@code FOR UPDATE SKIP LOCKED} and a lease), the retry schedule, and the distinct blocks each copy brings.
 */
@ApplicationScoped
public class CopyJobs {
    private static final String COLUMNS = "image_id, owner_id, source_region, source_image_id, name, description, "
            + "copy_image_tags, requested_at, state, state_reason, blocks_total, blocks_done, blocks_skipped, bytes_moved, "
            + "attempts, version, traceparent";

    private final Jdbc jdbc;

    public CopyJobs(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** Opens the row of a requested copy at {@code version}; a replayed request finds it there and opens nothing. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void open(CopyJob job) {
        jdbc.update("insert into image_copy (image_id, owner_id, source_region, source_image_id, name, description, "
                + "copy_image_tags, requested_at, state, next_attempt_at, version, traceparent) values (?, ?, ?, ?, ?, "
                + "?, ?, ?, ?, now(), ?, ?) on conflict do nothing", job.imageId(), job.ownerId(), job.sourceRegion(),
                job.sourceImageId(), job.name(), job.description(), job.copyImageTags(), job.requestedAt(),
                job.state(), job.version(), job.traceparent());
    }

    /** Claims the oldest due copy that no live replicator holds, for {@code lease}. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Optional<CopyJob> claimNext(Duration lease) {
        return jdbc.one("update image_copy set claimed_until = now() + make_interval(secs => ?) where image_id = ("
                + "select image_id from image_copy where state = 'copying' and next_attempt_at <= now() "
                + "and (claimed_until is null or claimed_until < now()) order by requested_at limit 1 "
                + "for update skip locked) returning " + COLUMNS, CopyJobs::job, (double) lease.toSeconds());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<CopyJob> find(String imageId) {
        return jdbc.one("select " + COLUMNS + " from image_copy where image_id = ?", CopyJobs::job, imageId);
    }

    /** The copy, locked until the caller's transaction ends: its steps are decided one at a time. */
    @Transactional(Transactional.TxType.MANDATORY)
    public CopyJob lock(String imageId) {
        return jdbc.one("select " + COLUMNS + " from image_copy where image_id = ? for update", CopyJobs::job, imageId)
                .orElseThrow(() -> new IllegalStateException("no copy " + imageId));
    }

    /**
     * Chooses the destination snapshot IDs (once: a resumed copy reuses them) and records the distinct blocks to
     * bring. Returns source snapshot ID -> destination snapshot ID.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Map<String, String> plan(String imageId, List<SourceSnapshot> snapshots) {
        for (SourceSnapshot snapshot : snapshots) {
            jdbc.update("insert into copy_snapshot (image_id, source_snapshot_id, snapshot_id) values (?, ?, ?) "
                    + "on conflict do nothing", imageId, snapshot.snapshotId(), ResourceKind.SNAPSHOT.next());
            jdbc.batch("insert into copy_block (image_id, checksum) values (?, ?) on conflict do nothing",
                    snapshot.blocks(), block -> new Object[] {imageId, block.checksum()});
        }
        Map<String, String> destination = new LinkedHashMap<>();
        jdbc.forEach("select source_snapshot_id, snapshot_id from copy_snapshot where image_id = ?", 1000,
                rs -> destination.put(rs.getString(1), rs.getString(2)), imageId);
        jdbc.update("update image_copy set blocks_total = (select count(*) from copy_block where image_id = ?), "
                + "blocks_done = (select count(*) from copy_block where image_id = ? and done) where image_id = ?",
                imageId, imageId, imageId);
        return destination;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<String> pendingBlocks(String imageId) {
        List<String> pending = new ArrayList<>();
        jdbc.forEach("select checksum from copy_block where image_id = ? and not done", 10_000,
                rs -> pending.add(rs.getString(1)), imageId);
        return pending;
    }

    /** Records finished blocks and renews the lease. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordBlocks(String imageId, List<String> done, int skipped, long bytes, Duration lease) {
        jdbc.batch("update copy_block set done = true where image_id = ? and checksum = ?", done,
                checksum -> new Object[] {imageId, checksum});
        jdbc.update("update image_copy set blocks_done = blocks_done + ?, blocks_skipped = blocks_skipped + ?, "
                + "bytes_moved = bytes_moved + ?, claimed_until = now() + make_interval(secs => ?) where image_id = ?",
                done.size(), skipped, bytes, (double) lease.toSeconds(), imageId);
    }

    /** The copy is over ({@link CopyJob#COMPLETED} or {@link CopyJob#FAILED}): no replicator claims it again. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void end(String imageId, String state, String stateReason) {
        jdbc.update("update image_copy set state = ?, state_reason = ?, claimed_until = null where image_id = ?",
                state, stateReason, imageId);
    }

    /** The row follows the events just appended: it stays at the aggregate's version. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void advance(String imageId, int events) {
        jdbc.update("update image_copy set version = version + ? where image_id = ?", events, imageId);
    }

    /** Due again after {@code delay}, without counting a failure; {@code reason} (or null) shows meanwhile. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void waitFor(String imageId, Duration delay, String reason) {
        jdbc.update("update image_copy set claimed_until = null, next_attempt_at = now() + make_interval(secs => ?), "
                + "state_reason = coalesce(cast(? as text), state_reason) where image_id = ?",
                (double) delay.toMillis() / 1000, reason, imageId);
    }

    /** A transient failure (the source Region unreachable): back off exponentially, up to a minute. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void retryLater(String imageId, String reason) {
        jdbc.update("update image_copy set claimed_until = null, attempts = attempts + 1, state_reason = ?, "
                + "next_attempt_at = now() + make_interval(secs => least(60, power(2, least(attempts, 6)) * 0.5)) "
                + "where image_id = ?", reason, imageId);
    }

    private static CopyJob job(ResultSet rs) throws SQLException {
        Instant requestedAt = rs.getTimestamp(8).toInstant();
        return new CopyJob(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getBoolean(7), requestedAt, rs.getString(9), rs.getString(10),
                (Integer) rs.getObject(11), rs.getInt(12), rs.getInt(13), rs.getLong(14), rs.getInt(15), rs.getLong(16),
                rs.getString(17));
    }
}
