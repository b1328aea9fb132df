package dev.imageregistry.launch.consumers;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.launch.commands.InstanceCommands;
import dev.imageregistry.launch.commands.InstanceCommands.TransitionQueued;
import io.quarkus.scheduler.Scheduled;

/**
 * Moves instances out of their transitional states (the step itself is {@link InstanceCommands#advanceTransitional}):
 * pending -> running once the root volume exists, stopping -> stopped, shutting-down -> terminated. Every replica
 * runs it; each claims rows with SKIP LOCKED, so replicas share the queue and an instance is advanced by exactly
 * one of them.
 */
@ApplicationScoped
public class TransitionWorker {
    private static final Logger LOG = Logger.getLogger(TransitionWorker.class);

    private final InstanceCommands commands;
    private final int batchSize;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "instance-transitions");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean queued = new AtomicBoolean();

    public TransitionWorker(InstanceCommands commands,
            @ConfigProperty(name = "launch.transitions.batch-size", defaultValue = "100") int batchSize) {
        this.commands = commands;
        this.batchSize = batchSize;
    }

    /** Right after a transaction that queued a transition commits, this replica advances it without waiting for a poll. */
    void onQueued(@Observes(during = TransactionPhase.AFTER_SUCCESS) TransitionQueued queuedTransition) {
        requestRun();
    }

    /** The safety net: instances queued by a replica that died, or whose step failed and must be retried. */
    @Scheduled(every = "${launch.transitions.interval:1s}", delay = 1,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        requestRun();
    }

    private void requestRun() {
        if (queued.compareAndSet(false, true)) {
            runner.execute(() -> {
                queued.set(false);
                run();
            });
        }
    }

    @PreDestroy
    void stop() {
        runner.shutdownNow();
    }

    private void run() {
        try {
            while (advanceBatch() == batchSize) {
                // a full batch: more may be waiting
            }
        } catch (RuntimeException e) {
            LOG.warnf("instance transitions paused, will retry: %s", e.toString());
        }
    }

    /** Advances one batch of claimed instances in one transaction; returns how many were claimed. */
    public int advanceBatch() {
        return commands.advanceTransitional(batchSize);
    }
}
