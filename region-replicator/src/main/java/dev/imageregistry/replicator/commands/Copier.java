package dev.imageregistry.replicator.commands;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.replicator.domain.CopyJob;
import dev.imageregistry.replicator.domain.CopySource;
import dev.imageregistry.replicator.domain.CopyStep;
import dev.imageregistry.replicator.persistence.CopyJobs;
import dev.imageregistry.replicator.persistence.SourceCatalogue;
import dev.imageregistry.replicator.regions.BlockClients;
import dev.imageregistry.replicator.regions.BlockTransfer;
import dev.imageregistry.replicator.regions.SourceRegion;
import dev.imageregistry.replicator.regions.SourceRegions;
import dev.imageregistry.replicator.regions.SourceStreams;
import io.minio.MinioClient;

/**
 * Performs one claimed copy, of an image or of a snapshot, from wherever it stopped: asks the {@link CopyJob} what
 * to do with what is known of its source (copy, wait, or fail: the rules are the job's), plans the distinct blocks,
 * brings the missing ones in parallel (verified on arrival), records progress as it goes, and publishes the result.
 * A transient failure leaves the finished blocks recorded and the copy due again after a back-off.
 */
@ApplicationScoped
public class Copier {
    private static final Logger LOG = Logger.getLogger(Copier.class);

    private final CopyJobs jobs;
    private final CopySteps steps;
    private final SourceRegions regions;
    private final SourceCatalogue catalogue;
    private final SourceStreams streams;
    private final BlockClients clients;
    private final BlockTransfer transfer;
    private final Duration lookupTimeout;
    private final Duration lease;
    private final Duration progressInterval;
    private final ExecutorService workers;

    public Copier(CopyJobs jobs, CopySteps steps, SourceRegions regions, SourceCatalogue catalogue,
            SourceStreams streams, BlockClients clients, BlockTransfer transfer,
            @ConfigProperty(name = "imageregistry.replicator.lookup-timeout", defaultValue = "120s") Duration lookupTimeout,
            @ConfigProperty(name = "imageregistry.replicator.lease", defaultValue = "60s") Duration lease,
            @ConfigProperty(name = "imageregistry.replicator.progress-interval", defaultValue = "1s") Duration progressInterval,
            @ConfigProperty(name = "imageregistry.replicator.parallelism", defaultValue = "16") int parallelism) {
        this.jobs = jobs;
        this.steps = steps;
        this.regions = regions;
        this.catalogue = catalogue;
        this.streams = streams;
        this.clients = clients;
        this.transfer = transfer;
        this.lookupTimeout = lookupTimeout;
        this.lease = lease;
        this.progressInterval = progressInterval;
        this.workers = Executors.newFixedThreadPool(parallelism, r -> {
            Thread thread = new Thread(r, "block-transfer");
            thread.setDaemon(true);
            return thread;
        });
    }

    public void run(CopyJob job) {
        Optional<SourceRegion> region = regions.find(job.sourceRegion());
        CopySource source = new CopySource(region.isPresent(),
                imageId -> catalogue.image(job.sourceRegion(), imageId),
                snapshotId -> catalogue.snapshot(job.sourceRegion(), snapshotId),
                streams.readToEndAfter(job.sourceRegion(), job.requestedAt().plus(lookupTimeout)),
                streams.trouble(job.sourceRegion()));
        CopyStep next = job.nextStep(source, Instant.now(), lookupTimeout);
        if (next instanceof CopyStep.Fail failed) {
            steps.fail(job.copyId(), failed.code(), failed.message());
        } else if (next instanceof CopyStep.Wait waiting) {
            jobs.waitFor(job.copyId(), waiting.delay(), waiting.reason());
        } else if (next instanceof CopyStep.Copy copy) {
            copy(job, region.get(), copy);
        }
    }

    private void copy(CopyJob job, SourceRegion region, CopyStep.Copy copy) {
        Map<String, String> newSnapshotIds = jobs.plan(job.copyId(), copy.snapshots(), job::newSnapshotId);
        try {
            bringMissingBlocks(job, region);
        } catch (BlockTransfer.CorruptBlock e) {
            steps.fail(job.copyId(), "Client.BlockChecksumMismatch", e.getMessage());
            return;
        } catch (Exception e) {
            LOG.warnf("copy %s of %s/%s paused, will retry: %s", job.copyId(), job.sourceRegion(), job.sourceId(),
                    e.toString());
            jobs.retryLater(job.copyId(), e.getClass().getSimpleName() + ": " + e.getMessage());
            return;
        }
        steps.complete(job.copyId(), copy, newSnapshotIds);
    }

    private void bringMissingBlocks(CopyJob job, SourceRegion region) throws Exception {
        List<String> pending = jobs.pendingBlocks(job.copyId());
        if (pending.isEmpty()) {
            return;
        }
        MinioClient source = clients.source(region);
        MinioClient destination = clients.destination();
        CompletionService<BlockTransfer.Moved> completion = new ExecutorCompletionService<>(workers);
        List<Future<BlockTransfer.Moved>> futures = new ArrayList<>(pending.size());
        for (String checksum : pending) {
            futures.add(completion.submit(() -> transfer.bring(checksum, source, destination)));
        }
        List<String> done = new ArrayList<>();
        int skipped = 0;
        long bytes = 0;
        long lastProgress = System.nanoTime();
        try {
            for (int i = 0; i < pending.size(); i++) {
                BlockTransfer.Moved moved;
                try {
                    moved = completion.take().get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
                done.add(moved.checksum());
                skipped += moved.skipped() ? 1 : 0;
                bytes += moved.bytes();
                boolean publish = System.nanoTime() - lastProgress > progressInterval.toNanos();
                if (done.size() >= 256 || publish) {
                    steps.recordProgress(job.copyId(), done, skipped, bytes, publish, lease);
                    done = new ArrayList<>();
                    skipped = 0;
                    bytes = 0;
                    if (publish) {
                        lastProgress = System.nanoTime();
                    }
                }
            }
        } finally {
            futures.forEach(f -> f.cancel(false));
            if (!done.isEmpty()) {
                // What finished before a failure is kept: a resumed copy never sends it again.
                steps.recordProgress(job.copyId(), done, skipped, bytes, true, lease);
            }
        }
    }

    @PreDestroy
    void stop() throws InterruptedException {
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
    }
}
