package dev.imageregistry.snapshot.consumers;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.imageregistry.snapshot.commands.GarbageCollection;
import io.quarkus.scheduler.Scheduled;

/** Garbage collection every {@code imageregistry.blocks.gc-interval} ({@code off} in tests: they collect on demand). */
@ApplicationScoped
public class ScheduledGarbageCollection {
    private static final Logger LOG = Logger.getLogger(ScheduledGarbageCollection.class);

    private final GarbageCollection garbageCollection;

    public ScheduledGarbageCollection(GarbageCollection garbageCollection) {
        this.garbageCollection = garbageCollection;
    }

    @Scheduled(every = "${imageregistry.blocks.gc-interval:10m}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void collect() {
        try {
            GarbageCollection.Report report = garbageCollection.collect(false);
            if (report.deleted() > 0) {
                LOG.infof("garbage collection freed %d blocks", report.deleted());
            }
        } catch (RuntimeException e) {
            LOG.warnf("garbage collection failed, retrying at the next run: %s", e.toString());
        }
    }
}
