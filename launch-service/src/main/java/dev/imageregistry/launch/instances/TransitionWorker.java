package dev.imageregistry.launch.instances;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.launch.images.LaunchableImages;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.instances.InstanceEvent.StateReason;
import dev.imageregistry.launch.instances.InstanceRecords.RootVolumeSpec;
import dev.imageregistry.launch.volumes.RootVolumes;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Moves instances out of their transitional states: pending -> running once the root volume exists (created
 * here, copy-on-write), stopping -> stopped, shutting-down -> terminated. Every replica runs it; each claims
 * rows with SKIP LOCKED, so replicas share the queue and an instance is advanced by exactly one of them.
 */
@ApplicationScoped
public class TransitionWorker {
    private static final Logger LOG = Logger.getLogger(TransitionWorker.class);

    private static final StateReason USER_SHUTDOWN = new StateReason("Client.UserInitiatedShutdown",
            "Client.UserInitiatedShutdown: User initiated shutdown");

    private final InstanceRecords records;
    private final InstanceLifecycle lifecycle;
    private final RootVolumes volumes;
    private final LaunchableImages images;
    private final int batchSize;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "instance-transitions");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean queued = new AtomicBoolean();

    public TransitionWorker(InstanceRecords records, InstanceLifecycle lifecycle, RootVolumes volumes,
            LaunchableImages images, @ConfigProperty(name = "launch.transitions.batch-size", defaultValue = "100") int batchSize) {
        this.records = records;
        this.lifecycle = lifecycle;
        this.volumes = volumes;
        this.images = images;
        this.batchSize = batchSize;
    }

    /** Fired in a transaction that left an instance in a transitional state. */
    public record TransitionQueued() {
    }

    /** Right after such a transaction commits, this replica advances the instance without waiting for a poll. */
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
        return QuarkusTransaction.requiringNew().call(() -> {
            List<String> claimed = records.claimTransitional(batchSize);
            for (String instanceId : claimed) {
                advance(lifecycle.load(instanceId));
            }
            return claimed.size();
        });
    }

    private void advance(Instance instance) {
        RootVolumeSpec root = records.rootVolume(instance.instanceId());
        switch (instance.state()) {
            case PENDING -> {
                if (volumes.find(root.volumeId()).isEmpty()) {
                    if (images.snapshotDeleted(root.snapshotId())) {
                        lifecycle.apply(instance, instance.fail(new StateReason("Client.InvalidSnapshot.NotFound",
                                "Client.InvalidSnapshot.NotFound: The snapshot " + root.snapshotId()
                                        + " of the image's root device no longer exists")));
                        return;
                    }
                    volumes.create(root.volumeId(), instance.instanceId(), root.snapshotId(), root.sizeGib(),
                            images.snapshotBlockCount(root.snapshotId()).orElse(null));
                }
                lifecycle.apply(instance, instance.settle(null));
            }
            case STOPPING -> lifecycle.apply(instance, instance.settle(USER_SHUTDOWN));
            case SHUTTING_DOWN -> {
                List<InstanceStateChanged> caused = instance.settle(USER_SHUTDOWN);
                if (root.deleteOnTermination()) {
                    volumes.delete(root.volumeId());
                }
                lifecycle.apply(instance, caused);
            }
            default -> lifecycle.apply(instance, instance.settle(null));
        }
    }
}
