package dev.imageregistry.replicator.copies;

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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.replicator.copies.CopyEvent.Block;
import dev.imageregistry.replicator.copies.CopyEvent.CopiedSnapshot;
import dev.imageregistry.replicator.regions.BlockClients;
import dev.imageregistry.replicator.regions.SourceRegion;
import dev.imageregistry.replicator.regions.SourceRegions;
import dev.imageregistry.replicator.source.SourceCatalogue;
import dev.imageregistry.replicator.source.SourceFeed;
import dev.imageregistry.replicator.source.SourceImage;
import dev.imageregistry.replicator.source.SourceSnapshot;
import io.minio.MinioClient;

/**
 * Performs one claimed copy, from wherever it stopped: checks the requester may launch the source image, plans
 * the distinct blocks, brings the missing ones in parallel (verified on arrival), records progress as it goes,
 * verifies every snapshot's map checksum, and publishes the result. A transient failure leaves the finished
 * blocks recorded and the copy due again after a back-off.
 */
@ApplicationScoped
public class ImageCopier {
    private static final Logger LOG = Logger.getLogger(ImageCopier.class);
    static final int BLOCKS_PER_PART = 4096;

    private final CopyJobs jobs;
    private final SourceRegions regions;
    private final SourceCatalogue catalogue;
    private final SourceFeed feed;
    private final BlockClients clients;
    private final BlockTransfer transfer;
    private final Duration lookupTimeout;
    private final Duration lease;
    private final Duration progressInterval;
    private final ExecutorService workers;

    public ImageCopier(CopyJobs jobs, SourceRegions regions, SourceCatalogue catalogue, SourceFeed feed,
            BlockClients clients,
            BlockTransfer transfer,
            @ConfigProperty(name = "imageregistry.replicator.lookup-timeout", defaultValue = "120s") Duration lookupTimeout,
            @ConfigProperty(name = "imageregistry.replicator.lease", defaultValue = "60s") Duration lease,
            @ConfigProperty(name = "imageregistry.replicator.progress-interval", defaultValue = "1s") Duration progressInterval,
            @ConfigProperty(name = "imageregistry.replicator.parallelism", defaultValue = "16") int parallelism) {
        this.jobs = jobs;
        this.regions = regions;
        this.catalogue = catalogue;
        this.feed = feed;
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
        if (region.isEmpty()) {
            jobs.fail(job.imageId(), "InvalidParameterValue", "This Region cannot copy from " + job.sourceRegion() + ".");
            return;
        }
        Optional<SourceImage> found = catalogue.image(job.sourceRegion(), job.sourceImageId());
        if (found.isEmpty() || !found.get().launchableBy(job.ownerId())) {
            // Not (yet) known: the source Region's stream may be behind. Once it has been read to its end past the
            // timeout, the image does not exist for this caller, which is also what a caller who may not launch it
            // is told. A stream that cannot be read (unreachable, or refusing this replicator) proves nothing.
            if (found.isPresent() || readPastTimeout(job)) {
                jobs.fail(job.imageId(), "InvalidAMIID.NotFound", "The image id '[" + job.sourceImageId()
                        + "]' does not exist in " + job.sourceRegion() + ".");
            } else {
                waitForSourceStream(job);
            }
            return;
        }
        SourceImage image = found.get();
        if (!"available".equals(image.state())) {
            if ("pending".equals(image.state()) && !waitedLongerThan(job, lookupTimeout.multipliedBy(30))) {
                jobs.waitFor(job.imageId(), Duration.ofSeconds(2), null);
            } else {
                jobs.fail(job.imageId(), "InvalidAMIID.Unavailable", "The image " + job.sourceImageId() + " is "
                        + image.state() + ".");
            }
            return;
        }
        List<SourceSnapshot> snapshots = new ArrayList<>();
        for (String snapshotId : image.snapshotIds()) {
            Optional<SourceSnapshot> snapshot = catalogue.snapshot(job.sourceRegion(), snapshotId);
            if (snapshot.isEmpty()) {
                if (readPastTimeout(job)) {
                    jobs.fail(job.imageId(), "InvalidSnapshot.NotFound", "The snapshot " + snapshotId
                            + " of the source image is not available in " + job.sourceRegion() + ".");
                } else {
                    waitForSourceStream(job);
                }
                return;
            }
            if (!snapshot.get().computedMapChecksum().equals(snapshot.get().mapChecksum())) {
                jobs.fail(job.imageId(), "Client.ChecksumMismatch", "The block map of " + snapshotId
                        + " does not match its published checksum.");
                return;
            }
            snapshots.add(snapshot.get());
        }
        Map<String, String> destinationIds = jobs.plan(job.imageId(), snapshots);
        try {
            bringMissingBlocks(job, region.get());
        } catch (BlockTransfer.CorruptBlock e) {
            jobs.fail(job.imageId(), "Client.BlockChecksumMismatch", e.getMessage());
            return;
        } catch (Exception e) {
            LOG.warnf("copy %s of %s/%s paused, will retry: %s", job.imageId(), job.sourceRegion(), job.sourceImageId(),
                    e.toString());
            jobs.retryLater(job.imageId(), e.getClass().getSimpleName() + ": " + e.getMessage());
            return;
        }
        jobs.complete(job.imageId(), finalEvents(job, image, snapshots, destinationIds));
    }

    private void bringMissingBlocks(CopyJob job, SourceRegion region) throws Exception {
        List<String> pending = jobs.pendingBlocks(job.imageId());
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
                    jobs.recordProgress(job.imageId(), done, skipped, bytes, publish, lease);
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
                jobs.recordProgress(job.imageId(), done, skipped, bytes, true, lease);
            }
        }
    }

    private List<CopyEvent> finalEvents(CopyJob job, SourceImage image, List<SourceSnapshot> snapshots,
            Map<String, String> destinationIds) {
        List<CopyEvent> events = new ArrayList<>();
        List<CopiedSnapshot> copied = new ArrayList<>();
        JsonNode attributes = image.attributes();
        for (SourceSnapshot snapshot : snapshots) {
            String snapshotId = destinationIds.get(snapshot.snapshotId());
            int parts = Math.max(1, (snapshot.blocks().size() + BLOCKS_PER_PART - 1) / BLOCKS_PER_PART);
            for (int part = 0; part < parts; part++) {
                List<Block> blocks = snapshot.blocks().subList(part * BLOCKS_PER_PART,
                        Math.min(snapshot.blocks().size(), (part + 1) * BLOCKS_PER_PART)).stream()
                        .map(b -> new Block(b.index(), b.checksum())).toList();
                events.add(new CopyEvent.SnapshotCopied(job.imageId(), snapshotId, snapshot.snapshotId(),
                        job.sourceRegion(), job.ownerId(), volumeSize(snapshot, attributes), snapshot.mapChecksum(),
                        "Copied from " + snapshot.snapshotId() + " in " + job.sourceRegion(), part + 1, parts, blocks));
            }
            copied.add(new CopiedSnapshot(snapshot.snapshotId(), snapshotId, volumeSize(snapshot, attributes),
                    snapshot.blocks().size(), snapshot.mapChecksum()));
        }
        ArrayNode mappings = attributes.path("blockDeviceMappings").isArray()
                ? ((ArrayNode) attributes.path("blockDeviceMappings")).deepCopy() : null;
        if (mappings != null) {
            for (JsonNode mapping : mappings) {
                JsonNode ebs = mapping.path("ebs");
                if (ebs instanceof ObjectNode ebsNode && ebsNode.hasNonNull("snapshotId")) {
                    ebsNode.put("snapshotId", destinationIds.get(ebsNode.path("snapshotId").asText()));
                }
            }
        }
        CopyJob latest = jobs.find(job.imageId()).orElse(job);
        events.add(new CopyEvent.ImageCopied(job.imageId(), job.sourceImageId(), job.sourceRegion(), copied,
                text(attributes, "architecture"), text(attributes, "rootDeviceName"), mappings,
                text(attributes, "bootMode"), text(attributes, "virtualizationType"),
                attributes.hasNonNull("enaSupport") ? attributes.path("enaSupport").asBoolean() : null,
                text(attributes, "imdsSupport"), job.copyImageTags() && attributes.path("tags").isArray()
                        ? attributes.path("tags") : null,
                latest.bytesMoved(), latest.blocksSkipped()));
        return events;
    }

    private static int volumeSize(SourceSnapshot snapshot, JsonNode attributes) {
        if (snapshot.volumeSize() > 0) {
            return snapshot.volumeSize();
        }
        for (JsonNode mapping : attributes.path("blockDeviceMappings")) {
            if (snapshot.snapshotId().equals(mapping.path("ebs").path("snapshotId").asText())) {
                return mapping.path("ebs").path("volumeSize").asInt(1);
            }
        }
        return 1;
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.path(field).asText() : null;
    }

    /** The source Region's stream was read to its end after the lookup timeout had passed. */
    private boolean readPastTimeout(CopyJob job) {
        return feed.readToEndAfter(job.sourceRegion(), job.requestedAt().plus(lookupTimeout));
    }

    /**
     * Looks again soon. Past the lookup timeout the stream has not been read to its end since: the copy says why,
     * and looks less often.
     */
    private void waitForSourceStream(CopyJob job) {
        if (!waitedLongerThan(job, lookupTimeout)) {
            jobs.waitFor(job.imageId(), Duration.ofMillis(500), null);
            return;
        }
        jobs.waitFor(job.imageId(), Duration.ofSeconds(2), "Waiting for the event stream of " + job.sourceRegion()
                + feed.trouble(job.sourceRegion()).map(why -> ", which cannot be read: " + why).orElse("") + ".");
    }

    private static boolean waitedLongerThan(CopyJob job, Duration timeout) {
        return job.requestedAt().plus(timeout).isBefore(Instant.now());
    }

    @PreDestroy
    void stop() throws InterruptedException {
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
    }
}
