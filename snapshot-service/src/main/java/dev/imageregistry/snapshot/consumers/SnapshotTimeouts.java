package dev.imageregistry.snapshot.consumers;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.imageregistry.snapshot.commands.SnapshotCommands;
import io.quarkus.scheduler.Scheduled;

/** Moves pending snapshots past their Timeout to error (every replica runs it; rows are shared out by SKIP LOCKED). */
@ApplicationScoped
public class SnapshotTimeouts {
    private static final Logger LOG = Logger.getLogger(SnapshotTimeouts.class);

    private final SnapshotCommands snapshots;

    public SnapshotTimeouts(SnapshotCommands snapshots) {
        this.snapshots = snapshots;
    }

    @Scheduled(every = "${imageregistry.snapshots.timeout-check:30s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void expire() {
        try {
            int failed = snapshots.failTimedOut();
            if (failed > 0) {
                LOG.infof("%d snapshots timed out", failed);
            }
        } catch (RuntimeException e) {
            LOG.warnf("timeout check failed, retrying at the next run: %s", e.toString());
        }
    }
}
