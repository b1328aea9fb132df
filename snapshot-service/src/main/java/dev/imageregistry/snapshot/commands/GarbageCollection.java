package dev.imageregistry.snapshot.commands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.persistence.BlockObjects;
import dev.imageregistry.snapshot.persistence.BlockRows;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Frees blocks that no snapshot references and that nobody touched within the grace window (an upload touches a
 * block before storing and referencing it). Each block is collected in its own short transaction holding its row
 * lock: replicas skip each other's rows (SKIP LOCKED), a writer touching the block waits, and the row is deleted
 * before the object, so the foreign key from a map that referenced it meanwhile stops the deletion first. A deleted
 * snapshot's map that volumes still hold is a map like any other here ({@link RetainedBlockMaps}).
 */
@ApplicationScoped
public class GarbageCollection {
    private static final Logger LOG = Logger.getLogger(GarbageCollection.class);

    private final BlockRows blocks;
    private final BlockObjects objects;
    private final Duration grace;
    private final int batchSize;

    public GarbageCollection(BlockRows blocks, BlockObjects objects,
            @ConfigProperty(name = "imageregistry.blocks.gc-grace", defaultValue = "PT1H") Duration grace,
            @ConfigProperty(name = "imageregistry.blocks.gc-batch-size", defaultValue = "10000") int batchSize) {
        this.blocks = blocks;
        this.objects = objects;
        this.grace = grace;
        this.batchSize = batchSize;
    }

    public record Report(boolean dryRun, long graceSeconds, int candidates, int deleted, List<String> blocks) {
    }

    public Report collect(boolean dryRun) {
        List<String> candidates = blocks.collectable(grace, batchSize);
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

    private boolean collectOne(String checksum) {
        if (!blocks.deleteIfCollectable(checksum, grace)) {
            return false;
        }
        objects.remove(checksum);
        return true;
    }
}
