package dev.imageregistry.replicator.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.replicator.domain.CopyEvent.Block;
import dev.imageregistry.replicator.domain.CopyEvent.CopiedSnapshot;
import dev.imageregistry.replicator.domain.CopyEvent.StateReason;

/**
 * A copy into this Region, and the rules of its course: what it does once claimed (copy, wait for the source, or
 * fail), its progress, its failure and its result. Its history is the registry's ImageCopyRequested followed by the
 * replicator's own copy events ({@link #fold}); the {@code image_copy} row is a cache of it at the same
 * {@code version}, which also counts the blocks moved between two progress events and holds the claim and retry
 * schedule that no event records. {@code traceparent} is the trace of the request (null if there was none).
 */
public record CopyJob(String imageId, String ownerId, String sourceRegion, String sourceImageId, String name,
        String description, boolean copyImageTags, Instant requestedAt, String state, String stateReason,
        Integer blocksTotal, int blocksDone, int blocksSkipped, long bytesMoved, int attempts, long version,
        String traceparent) {

    public static final String COPYING = "copying";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    /** Block map entries per SnapshotCopied event: a million-block map is split so no record nears Kafka's limit. */
    public static final int BLOCKS_PER_PART = 4096;
    /** A pending source image is waited for this many lookup timeouts: another copy may be making it. */
    static final int PENDING_SOURCE_PATIENCE = 30;

    /**
     * The copy as its history leaves it. {@code version} counts the events of the replicator's own store (the
     * request lives in the registry's); the time and trace of the copy are those of its request.
     */
    public static CopyJob fold(List<EventEnvelope> history) {
        CopyJob job = null;
        long version = 0;
        for (EventEnvelope event : history) {
            if ("ImageCopyRequested".equals(event.type())) {
                CopyRequested request = event.dataAs(CopyRequested.class);
                job = new CopyJob(request.imageId(), request.ownerId(), request.sourceRegion(),
                        request.sourceImageId(), request.name(), request.description(), request.copyImageTags(),
                        event.time(), COPYING, null, null, 0, 0, 0, 0, version, event.traceparent());
                continue;
            }
            version++;
            if (job == null) {
                continue; // ImageCopyDispatched / ImageCopyAssigned: the registry has not opened the copy yet
            }
            job = switch (event.type()) {
                case "ImageCopyProgressed" -> {
                    CopyEvent.ImageCopyProgressed p = event.dataAs(CopyEvent.ImageCopyProgressed.class);
                    yield job.with(job.state, job.stateReason, (int) p.blocksTotal(), (int) p.blocksDone(),
                            job.blocksSkipped, p.bytesMoved());
                }
                case "ImageCopied" -> {
                    CopyEvent.ImageCopied c = event.dataAs(CopyEvent.ImageCopied.class);
                    yield job.with(COMPLETED, null, job.blocksTotal, job.blocksDone, (int) c.blocksSkipped(),
                            c.bytesMoved());
                }
                case "ImageCopyFailed" -> {
                    StateReason reason = event.dataAs(CopyEvent.ImageCopyFailed.class).stateReason();
                    yield job.with(FAILED, reason.code() + ": " + reason.message(), job.blocksTotal, job.blocksDone,
                            job.blocksSkipped, job.bytesMoved);
                }
                default -> job;
            };
            job = job.at(version);
        }
        return job;
    }

    public boolean copying() {
        return COPYING.equals(state);
    }

    public int percent() {
        if (blocksTotal == null || blocksTotal == 0) {
            return COMPLETED.equals(state) ? 100 : 0;
        }
        return (int) Math.min(100, (100L * blocksDone) / blocksTotal);
    }

    /**
     * What the claimed copy does next. The source Region's stream may be behind this Region's request, so "not
     * found" is concluded only from a stream read to its end after the lookup timeout; a stream that cannot be read
     * proves nothing. A caller who may not launch the image is told it does not exist, as EC2 does.
     */
    public CopyStep nextStep(CopySource source, Instant now, Duration lookupTimeout) {
        if (!source.regionKnown()) {
            return new CopyStep.Fail("InvalidParameterValue", "This Region cannot copy from " + sourceRegion + ".");
        }
        Optional<SourceImage> found = source.image();
        if (found.isEmpty() || !found.get().launchableBy(ownerId)) {
            if (found.isPresent() || source.readToEndPastTimeout()) {
                return new CopyStep.Fail("InvalidAMIID.NotFound", "The image id '[" + sourceImageId
                        + "]' does not exist in " + sourceRegion + ".");
            }
            return waitForStream(source, now, lookupTimeout);
        }
        SourceImage image = found.get();
        if (!"available".equals(image.state())) {
            if ("pending".equals(image.state())
                    && !waitedLongerThan(lookupTimeout.multipliedBy(PENDING_SOURCE_PATIENCE), now)) {
                return new CopyStep.Wait(Duration.ofSeconds(2), null);
            }
            return new CopyStep.Fail("InvalidAMIID.Unavailable", "The image " + sourceImageId + " is "
                    + image.state() + ".");
        }
        List<SourceSnapshot> snapshots = new ArrayList<>();
        for (String snapshotId : image.snapshotIds()) {
            Optional<SourceSnapshot> snapshot = source.snapshots().apply(snapshotId);
            if (snapshot.isEmpty()) {
                if (source.readToEndPastTimeout()) {
                    return new CopyStep.Fail("InvalidSnapshot.NotFound", "The snapshot " + snapshotId
                            + " of the source image is not available in " + sourceRegion + ".");
                }
                return waitForStream(source, now, lookupTimeout);
            }
            if (!snapshot.get().computedMapChecksum().equals(snapshot.get().mapChecksum())) {
                return new CopyStep.Fail("Client.ChecksumMismatch", "The block map of " + snapshotId
                        + " does not match its published checksum.");
            }
            snapshots.add(snapshot.get());
        }
        return new CopyStep.Copy(image, snapshots);
    }

    /** Progress, as the copy's followers see it (the caller throttles how often). Nothing once the copy is over. */
    public List<CopyEvent> progress() {
        if (!copying()) {
            return List.of();
        }
        return List.of(new CopyEvent.ImageCopyProgressed(imageId, blocksDone, blocksTotal == null ? 0 : blocksTotal,
                bytesMoved, percent()));
    }

    /** The copy fails; a copy already over stays as it ended (a late failure of a retried attempt changes nothing). */
    public List<CopyEvent> fail(String code, String message) {
        if (!copying()) {
            return List.of();
        }
        return List.of(new CopyEvent.ImageCopyFailed(imageId, sourceImageId, sourceRegion,
                new StateReason(code, message)));
    }

    /**
     * The result of a copy whose blocks are all here: each new snapshot's block map (in parts of
     * {@link #BLOCKS_PER_PART}), then ImageCopied with the source's attributes as it published them and the
     * mappings pointing at the new snapshots. Tags travel only when the request asked for them.
     *
     * @param destinationIds source snapshot ID -> the new snapshot's ID in this Region
     */
    public List<CopyEvent> complete(SourceImage image, List<SourceSnapshot> snapshots,
            Map<String, String> destinationIds) {
        if (!copying()) {
            return List.of();
        }
        List<CopyEvent> events = new ArrayList<>();
        List<CopiedSnapshot> copied = new ArrayList<>();
        JsonNode attributes = image.attributes();
        for (SourceSnapshot snapshot : snapshots) {
            String snapshotId = destinationIds.get(snapshot.snapshotId());
            int size = volumeSize(snapshot, attributes);
            int parts = Math.max(1, (snapshot.blocks().size() + BLOCKS_PER_PART - 1) / BLOCKS_PER_PART);
            for (int part = 0; part < parts; part++) {
                List<Block> blocks = snapshot.blocks().subList(part * BLOCKS_PER_PART,
                        Math.min(snapshot.blocks().size(), (part + 1) * BLOCKS_PER_PART)).stream()
                        .map(b -> new Block(b.index(), b.checksum())).toList();
                events.add(new CopyEvent.SnapshotCopied(imageId, snapshotId, snapshot.snapshotId(), sourceRegion,
                        ownerId, size, snapshot.mapChecksum(), "Copied from " + snapshot.snapshotId() + " in "
                                + sourceRegion, part + 1, parts, blocks));
            }
            copied.add(new CopiedSnapshot(snapshot.snapshotId(), snapshotId, size, snapshot.blocks().size(),
                    snapshot.mapChecksum()));
        }
        ArrayNode mappings = attributes.path("blockDeviceMappings").isArray()
                ? ((ArrayNode) attributes.path("blockDeviceMappings")).deepCopy() : null;
        if (mappings != null) {
            for (JsonNode mapping : mappings) {
                if (mapping.path("ebs") instanceof ObjectNode ebs && ebs.hasNonNull("snapshotId")) {
                    ebs.put("snapshotId", destinationIds.get(ebs.path("snapshotId").asText()));
                }
            }
        }
        events.add(new CopyEvent.ImageCopied(imageId, sourceImageId, sourceRegion, copied,
                text(attributes, "architecture"), text(attributes, "rootDeviceName"), mappings,
                text(attributes, "bootMode"), text(attributes, "virtualizationType"),
                attributes.hasNonNull("enaSupport") ? attributes.path("enaSupport").asBoolean() : null,
                text(attributes, "imdsSupport"),
                copyImageTags && attributes.path("tags").isArray() ? attributes.path("tags") : null,
                bytesMoved, blocksSkipped));
        return events;
    }

    /**
     * Looks again soon. Past the lookup timeout the stream has not been read to its end since: the copy says why,
     * and looks less often.
     */
    private CopyStep waitForStream(CopySource source, Instant now, Duration lookupTimeout) {
        if (!waitedLongerThan(lookupTimeout, now)) {
            return new CopyStep.Wait(Duration.ofMillis(500), null);
        }
        return new CopyStep.Wait(Duration.ofSeconds(2), "Waiting for the event stream of " + sourceRegion
                + source.streamTrouble().map(why -> ", which cannot be read: " + why).orElse("") + ".");
    }

    private boolean waitedLongerThan(Duration timeout, Instant now) {
        return requestedAt.plus(timeout).isBefore(now);
    }

    /** A snapshot's size as published, else as its mapping gives it, else 1 GiB. */
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

    private CopyJob with(String newState, String newReason, Integer total, int done, int skipped, long bytes) {
        return new CopyJob(imageId, ownerId, sourceRegion, sourceImageId, name, description, copyImageTags,
                requestedAt, newState, newReason, total, done, skipped, bytes, attempts, version, traceparent);
    }

    private CopyJob at(long newVersion) {
        return new CopyJob(imageId, ownerId, sourceRegion, sourceImageId, name, description, copyImageTags,
                requestedAt, state, stateReason, blocksTotal, blocksDone, blocksSkipped, bytesMoved, attempts,
                newVersion, traceparent);
    }
}
