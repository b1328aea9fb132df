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
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.replicator.domain.CopyJob;
import dev.imageregistry.replicator.domain.CopyOf;
import dev.imageregistry.replicator.domain.SourceSnapshot;

/**
 * The copies' rows: the cache of each {@link CopyJob} at its version, the claim (several replicators share the work
 * through {@code FOR UPDATE SKIP LOCKED} and a lease), the retry schedule, and the distinct blocks each copy brings.
 */
@ApplicationScoped
public class CopyJobs {
    private static final String COLUMNS = "copy_id, owner_id, source_region, kind, source_id, name, description, "
            + "copy_image_tags, requested_at, state, state_reason, blocks_total, blocks_done, blocks_skipped, bytes_moved, "
            + "attempts, version, traceparent";
    private static final String IMAGE = "image";
    private static final String SNAPSHOT = "snapshot";

    private final Jdbc jdbc;

    public CopyJobs(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** Opens the row of a requested copy at {@code version}; a replayed request finds it there and opens nothing. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void open(CopyJob job) {
        CopyOf.Image image = job.of() instanceof CopyOf.Image i ? i : null;
        jdbc.update("insert into copy_job (copy_id, owner_id, source_region, kind, source_id, name, description, "
                + "copy_image_tags, requested_at, state, next_attempt_at, version, traceparent) values (?, ?, ?, ?, ?, "
                + "?, ?, ?, ?, ?, now(), ?, ?) on conflict do nothing", job.copyId(), job.ownerId(), job.sourceRegion(),
                image != null ? IMAGE : SNAPSHOT, job.sourceId(), image != null ? image.name() : null,
                job.description(), image != null && image.copyImageTags(), job.requestedAt(), job.state(),
                job.version(), job.traceparent());
    }

    /** Claims the oldest due copy that no live replicator holds, for {@code lease}. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Optional<CopyJob> claimNext(Duration lease) {
        return jdbc.one("update copy_job set claimed_until = now() + make_interval(secs => ?) where copy_id = ("
                + "select copy_id from copy_job where state = 'copying' and next_attempt_at <= now() "
                + "and (claimed_until is null or claimed_until < now()) order by requested_at limit 1 "
                + "for update skip locked) returning " + COLUMNS, CopyJobs::job, (double) lease.toSeconds());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<CopyJob> find(String copyId) {
        return jdbc.one("select " + COLUMNS + " from copy_job where copy_id = ?", CopyJobs::job, copyId);
    }

    /** The copy, locked until the caller's transaction ends: its steps are decided one at a time. */
    @Transactional(Transactional.TxType.MANDATORY)
    public CopyJob lock(String copyId) {
        return jdbc.one("select " + COLUMNS + " from copy_job where copy_id = ? for update", CopyJobs::job, copyId)
                .orElseThrow(() -> new IllegalStateException("no copy " + copyId));
    }

    /**
     * Records the new snapshots' IDs (chosen once, from {@code newSnapshotId}: a resumed copy reuses them) and the
     * distinct blocks to bring. Returns source snapshot ID -> new snapshot ID.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Map<String, String> plan(String copyId, List<SourceSnapshot> snapshots, Supplier<String> newSnapshotId) {
        for (SourceSnapshot snapshot : snapshots) {
            jdbc.update("insert into copy_snapshot (copy_id, source_snapshot_id, snapshot_id) values (?, ?, ?) "
                    + "on conflict do nothing", copyId, snapshot.snapshotId(), newSnapshotId.get());
            jdbc.batch("insert into copy_block (copy_id, checksum) values (?, ?) on conflict do nothing",
                    snapshot.blocks(), block -> new Object[] {copyId, block.checksum()});
        }
        Map<String, String> newIds = new LinkedHashMap<>();
        jdbc.forEach("select source_snapshot_id, snapshot_id from copy_snapshot where copy_id = ?", 1000,
                rs -> newIds.put(rs.getString(1), rs.getString(2)), copyId);
        jdbc.update("update copy_job set blocks_total = (select count(*) from copy_block where copy_id = ?), "
                + "blocks_done = (select count(*) from copy_block where copy_id = ? and done) where copy_id = ?",
                copyId, copyId, copyId);
        return newIds;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<String> pendingBlocks(String copyId) {
        List<String> pending = new ArrayList<>();
        jdbc.forEach("select checksum from copy_block where copy_id = ? and not done", 10_000,
                rs -> pending.add(rs.getString(1)), copyId);
        return pending;
    }

    /** Records finished blocks and renews the lease. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordBlocks(String copyId, List<String> done, int skipped, long bytes, Duration lease) {
        jdbc.batch("update copy_block set done = true where copy_id = ? and checksum = ?", done,
                checksum -> new Object[] {copyId, checksum});
        jdbc.update("update copy_job set blocks_done = blocks_done + ?, blocks_skipped = blocks_skipped + ?, "
                + "bytes_moved = bytes_moved + ?, claimed_until = now() + make_interval(secs => ?) where copy_id = ?",
                done.size(), skipped, bytes, (double) lease.toSeconds(), copyId);
    }

    /** The copy is over ({@link CopyJob#COMPLETED} or {@link CopyJob#FAILED}): no replicator claims it again. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void end(String copyId, String state, String stateReason) {
        jdbc.update("update copy_job set state = ?, state_reason = ?, claimed_until = null where copy_id = ?",
                state, stateReason, copyId);
    }

    /** The row follows the events just appended: it stays at the aggregate's version. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void advance(String copyId, int events) {
        jdbc.update("update copy_job set version = version + ? where copy_id = ?", events, copyId);
    }

    /** Due again after {@code delay}, without counting a failure; {@code reason} (or null) shows meanwhile. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void waitFor(String copyId, Duration delay, String reason) {
        jdbc.update("update copy_job set claimed_until = null, next_attempt_at = now() + make_interval(secs => ?), "
                + "state_reason = coalesce(cast(? as text), state_reason) where copy_id = ?",
                (double) delay.toMillis() / 1000, reason, copyId);
    }

    /** A transient failure (the source Region unreachable): back off exponentially, up to a minute. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void retryLater(String copyId, String reason) {
        jdbc.update("update copy_job set claimed_until = null, attempts = attempts + 1, state_reason = ?, "
                + "next_attempt_at = now() + make_interval(secs => least(60, power(2, least(attempts, 6)) * 0.5)) "
                + "where copy_id = ?", reason, copyId);
    }

    private static CopyJob job(ResultSet rs) throws SQLException {
        CopyOf of = SNAPSHOT.equals(rs.getString(4)) ? new CopyOf.Snapshot(rs.getString(5))
                : new CopyOf.Image(rs.getString(5), rs.getString(6), rs.getBoolean(8));
        return new CopyJob(rs.getString(1), rs.getString(2), rs.getString(3), of, rs.getString(7),
                rs.getTimestamp(9).toInstant(), rs.getString(10), rs.getString(11), (Integer) rs.getObject(12),
                rs.getInt(13), rs.getInt(14), rs.getLong(15), rs.getInt(16), rs.getLong(17), rs.getString(18));
    }
}
