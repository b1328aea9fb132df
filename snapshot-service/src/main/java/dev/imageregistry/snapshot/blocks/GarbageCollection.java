package dev.imageregistry.snapshot.blocks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.errors.Ec2Exception;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Frees blocks that no snapshot references and that nobody touched within the grace window (an upload touches a
 * block before storing and referencing it). Each block is collected in its own short transaction holding its row
 * lock: replicas skip each other's rows (SKIP LOCKED), a writer touching the block waits, and the row is deleted
 * before the object, so the foreign key from a map that referenced it meanwhile stops the deletion first.
 */
@ApplicationScoped
public class GarbageCollection {
    private static final Logger LOG = Logger.getLogger(GarbageCollection.class);

    private final DataSource db;
    private final BlockObjects objects;
    private final Duration grace;
    private final int batchSize;

    public GarbageCollection(DataSource db, BlockObjects objects,
            @ConfigProperty(name = "imageregistry.blocks.gc-grace", defaultValue = "PT1H") Duration grace,
            @ConfigProperty(name = "imageregistry.blocks.gc-batch-size", defaultValue = "10000") int batchSize) {
        this.db = db;
        this.objects = objects;
        this.grace = grace;
        this.batchSize = batchSize;
    }

    public record Report(boolean dryRun, long graceSeconds, int candidates, int deleted, List<String> blocks) {
    }

    @Scheduled(every = "${imageregistry.blocks.gc-interval:10m}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            Report report = collect(false);
            if (report.deleted() > 0) {
                LOG.infof("garbage collection freed %d blocks", report.deleted());
            }
        } catch (RuntimeException e) {
            LOG.warnf("garbage collection failed, retrying at the next run: %s", e.toString());
        }
    }

    public Report collect(boolean dryRun) {
        List<String> candidates = candidates();
        if (dryRun) {
            return new Report(true, grace.toSeconds(), candidates.size(), 0, candidates);
        }
        List<String> deleted = new ArrayList<>();
        for (String checksum : candidates) {
            try {
                if (QuarkusTransaction.requiringNew().call(() -> collectOne(checksum))) {
                    deleted.add(checksum);
                }
            } catch (Ec2Exception e) {
                // S3 unavailable: the row was restored by the rollback; stop and let the next run retry.
                LOG.warnf("garbage collection paused: %s", e.getMessage());
                break;
            } catch (RuntimeException e) {
                // Referenced again meanwhile (foreign key) or a concurrent collector: the block stays.
                LOG.debugf("block %s kept: %s", checksum, e.toString());
            }
        }
        return new Report(false, grace.toSeconds(), candidates.size(), deleted.size(), deleted);
    }

    private static final String COLLECTABLE = "b.touched_at < now() - make_interval(secs => ?) "
            + "and not exists (select 1 from snapshot_block sb where sb.checksum = b.checksum)";

    private List<String> candidates() {
        List<String> found = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select b.checksum from block b where " + COLLECTABLE + " order by b.touched_at limit ?")) {
            s.setDouble(1, grace.toMillis() / 1000.0);
            s.setInt(2, batchSize);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }

    private boolean collectOne(String checksum) throws SQLException {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement lock = c.prepareStatement("select b.checksum from block b where b.checksum = ? and "
                    + COLLECTABLE + " for update skip locked")) {
                lock.setString(1, checksum);
                lock.setDouble(2, grace.toMillis() / 1000.0);
                try (ResultSet rs = lock.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                }
            }
            try (PreparedStatement delete = c.prepareStatement("delete from block where checksum = ?")) {
                delete.setString(1, checksum);
                delete.executeUpdate();
            }
        }
        objects.remove(checksum);
        return true;
    }
}
