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

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.replicator.domain.CopyEvent.Block;
import dev.imageregistry.replicator.domain.CopyEvent.CopiedSnapshot;
import dev.imageregistry.replicator.domain.CopyEvent.SnapshotCopied;
import dev.imageregistry.replicator.domain.CopyEvent.StateReason;

/**
 * A copy into this Region, of an image (CopyImage) or of one snapshot (CopySnapshot), and the rules of its course:
 * what it does once claimed (copy, wait for the source, or fail), its progress, its failure and its result. Its
 * history is the request ({@link CopyRequest}: the registry's or the snapshot-service's) followed by the
 * replicator's own copy events ({@link #fold}); the {@code copy_job} row is a cache of it at the same
 * {@code version}, which also counts the blocks moved between two progress events and holds the claim and retry
 * schedule that no event records. {@code copyId} is the ID of what the copy makes here (the new image or snapshot);
 * {@code traceparent} is the trace of the request (null if there was none).
 */
public record CopyJob(String copyId, String ownerId, String sourceRegion, CopyOf of, String description,
        Instant requestedAt, String state, String stateReason, Integer blocksTotal, int blocksDone, int blocksSkipped,
        long bytesMoved, int attempts, long version, String traceparent) {

    public static final String COPYING = "copying";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    /** Block map entries per SnapshotCopied event: a million-block map is split so no record nears Kafka's limit. */
    public static final int BLOCKS_PER_PART = 4096;
    /** A pending source image is waited for this many lookup timeouts: another copy may be making it. */
    static final int PENDING_SOURCE_PATIENCE = 30;

    /** The copy a request opens, at {@code version} of the copy's aggregate in the replicator's store. */
    public static CopyJob opened(CopyRequest request, Instant requestedAt, long version, String traceparent) {
        return new CopyJob(request.copyId(), request.ownerId(), request.sourceRegion(), request.of(),
                request.description(), requestedAt, COPYING, null, null, 0, 0, 0, 0, version, traceparent);
    }

    /**
     * The copy as its history leaves it. {@code version} counts the events of the replicator's own store (the
     * request lives in its producer's); the time and trace of the copy are those of its request.
     */
    public static CopyJob fold(List<EventEnvelope> history) {
        CopyJob job = null;
        long version = 0;
        for (EventEnvelope event : history) {
            Optional<CopyRequest> request = switch (event.type()) {
                case "ImageCopyRequested" -> Optional.of(event.dataAs(ImageCopyRequested.class));
                case "SnapshotCopyRequested" -> Optional.of(event.dataAs(SnapshotCopyRequested.class));
                default -> Optional.empty();
            };
            if (request.isPresent()) {
                job = opened(request.get(), event.time(), version, event.traceparent());
                continue;
            }
            version++;
            if (job == null) {
                continue; // ImageCopyDispatched / ImageCopyAssigned: the registry has not opened the copy yet
            }
            job = job.after(event).at(version);
        }
        return job;
    }

    public boolean copying() {
        return COPYING.equals(state);
    }

    /** The source image's or snapshot's ID. */
    public String sourceId() {
        return of.sourceId();
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
     * proves nothing. A caller who may not copy the source is told it does not exist, as EC2 does.
     */
    public CopyStep nextStep(CopySource source, Instant now, Duration lookupTimeout) {
        if (!source.regionKnown()) {
            return new CopyStep.Fail("InvalidParameterValue", "This Region cannot copy from " + sourceRegion + ".");
        }
        if (of instanceof CopyOf.Snapshot snapshot) {
            return nextSnapshotStep(snapshot.sourceSnapshotId(), source, now, lookupTimeout);
        }
        return nextImageStep(((CopyOf.Image) of).sourceImageId(), source, now, lookupTimeout);
    }

    /** CopyImage: the requester must be allowed to launch the image, which must be available, its maps intact. */
    private CopyStep nextImageStep(String sourceImageId, CopySource source, Instant now, Duration lookupTimeout) {
        Optional<SourceImage> found = source.images().apply(sourceImageId);
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
            Optional<CopyStep> tampered = mapMismatch(snapshot.get());
            if (tampered.isPresent()) {
                return tampered.get();
            }
            snapshots.add(snapshot.get());
        }
        return new CopyStep.Copy(image, snapshots);
    }

    /**
     * CopySnapshot: EC2 lets only the owner copy a snapshot (snapshots here have no create-volume permissions);
     * anyone else, like a snapshot that is not completed or was deleted, is told it does not exist.
     */
    private CopyStep nextSnapshotStep(String sourceSnapshotId, CopySource source, Instant now,
            Duration lookupTimeout) {
        Optional<SourceSnapshot> found = source.snapshots().apply(sourceSnapshotId);
        if (found.isEmpty() || !found.get().ownerId().equals(ownerId)) {
            if (found.isPresent() || source.readToEndPastTimeout()) {
                return new CopyStep.Fail("InvalidSnapshot.NotFound", "The snapshot '" + sourceSnapshotId
                        + "' does not exist.");
            }
            return waitForStream(source, now, lookupTimeout);
        }
        return mapMismatch(found.get()).orElse(new CopyStep.Copy(null, List.of(found.get())));
    }

    /** A map that does not add up to its published checksum is never copied. */
    private static Optional<CopyStep> mapMismatch(SourceSnapshot snapshot) {
        if (snapshot.computedMapChecksum().equals(snapshot.mapChecksum())) {
            return Optional.empty();
        }
        return Optional.of(new CopyStep.Fail("Client.ChecksumMismatch", "The block map of " + snapshot.snapshotId()
                + " does not match its published checksum."));
    }

    /**
     * The ID a source snapshot takes here: a CopySnapshot's is the pending snapshot its request named; each snapshot
     * of a copied image is a new one (chosen once, when the copy is planned).
     */
    public String newSnapshotId() {
        return of instanceof CopyOf.Snapshot ? copyId : ResourceKind.SNAPSHOT.next();
    }

    /** Progress, as the copy's followers see it (the caller throttles how often). Nothing once the copy is over. */
    public List<CopyEvent> progress() {
        if (!copying()) {
            return List.of();
        }
        long total = blocksTotal == null ? 0 : blocksTotal;
        return List.of(of instanceof CopyOf.Snapshot
                ? new CopyEvent.SnapshotCopyProgressed(copyId, blocksDone, total, bytesMoved, percent())
                : new CopyEvent.ImageCopyProgressed(copyId, blocksDone, total, bytesMoved, percent()));
    }

    /** The copy fails; a copy already over stays as it ended (a late failure of a retried attempt changes nothing). */
    public List<CopyEvent> fail(String code, String message) {
        if (!copying()) {
            return List.of();
        }
        StateReason reason = new StateReason(code, message);
        return List.of(of instanceof CopyOf.Snapshot
                ? new CopyEvent.SnapshotCopyFailed(copyId, sourceId(), sourceRegion, reason)
                : new CopyEvent.ImageCopyFailed(copyId, sourceId(), sourceRegion, reason));
    }

    /**
     * The result of a copy whose blocks are all here. A CopySnapshot publishes the snapshot's block map (in parts of
     * {@link #BLOCKS_PER_PART}), the last part with the bytes moved and blocks skipped: that part ends the copy. A
     * CopyImage publishes each new snapshot's map, then ImageCopied with the source's attributes as it published
     * them and the mappings pointing at the new snapshots; tags travel only when the request asked for them.
     *
     * @param newSnapshotIds source snapshot ID -> the new snapshot's ID in this Region, as planned
     */
    public List<CopyEvent> complete(CopyStep.Copy copy, Map<String, String> newSnapshotIds) {
        if (!copying()) {
            return List.of();
        }
        if (of instanceof CopyOf.Snapshot) {
            SourceSnapshot snapshot = copy.snapshots().get(0);
            int size = snapshot.volumeSize() > 0 ? snapshot.volumeSize() : snapshot.sizeHoldingItsBlocks();
            return new ArrayList<>(mapParts(null, copyId, snapshot, size,
                    description != null ? description : copiedFrom(snapshot)));
        }
        return completeImage((CopyOf.Image) of, copy.image(), copy.snapshots(), newSnapshotIds);
    }

    private List<CopyEvent> completeImage(CopyOf.Image image, SourceImage source, List<SourceSnapshot> snapshots,
            Map<String, String> newSnapshotIds) {
        List<CopyEvent> events = new ArrayList<>();
        List<CopiedSnapshot> copied = new ArrayList<>();
        JsonNode attributes = source.attributes();
        for (SourceSnapshot snapshot : snapshots) {
            String snapshotId = newSnapshotIds.get(snapshot.snapshotId());
            int size = volumeSize(snapshot, attributes);
            events.addAll(mapParts(copyId, snapshotId, snapshot, size, copiedFrom(snapshot)));
            copied.add(new CopiedSnapshot(snapshot.snapshotId(), snapshotId, size, snapshot.blocks().size(),
                    snapshot.mapChecksum()));
        }
        ArrayNode mappings = attributes.path("blockDeviceMappings").isArray()
                ? ((ArrayNode) attributes.path("blockDeviceMappings")).deepCopy() : null;
        if (mappings != null) {
            for (JsonNode mapping : mappings) {
                if (mapping.path("ebs") instanceof ObjectNode ebs && ebs.hasNonNull("snapshotId")) {
                    ebs.put("snapshotId", newSnapshotIds.get(ebs.path("snapshotId").asText()));
                }
            }
        }
        events.add(new CopyEvent.ImageCopied(copyId, image.sourceImageId(), sourceRegion, copied,
                text(attributes, "architecture"), text(attributes, "rootDeviceName"), mappings,
                text(attributes, "bootMode"), text(attributes, "virtualizationType"),
                attributes.hasNonNull("enaSupport") ? attributes.path("enaSupport").asBoolean() : null,
                text(attributes, "imdsSupport"),
                image.copyImageTags() && attributes.path("tags").isArray() ? attributes.path("tags") : null,
                bytesMoved, blocksSkipped));
        return events;
    }

    /**
     * A copied snapshot's block map in parts. Those of an image copy name the image; a CopySnapshot's last part
     * carries the copy's figures instead, as it ends the copy.
     */
    private List<SnapshotCopied> mapParts(String imageId, String snapshotId, SourceSnapshot snapshot, int size,
            String snapshotDescription) {
        List<SourceSnapshot.Block> map = snapshot.blocks();
        int parts = Math.max(1, (map.size() + BLOCKS_PER_PART - 1) / BLOCKS_PER_PART);
        List<SnapshotCopied> events = new ArrayList<>(parts);
        for (int part = 1; part <= parts; part++) {
            List<Block> blocks = map.subList((part - 1) * BLOCKS_PER_PART, Math.min(map.size(), part * BLOCKS_PER_PART))
                    .stream().map(b -> new Block(b.index(), b.checksum())).toList();
            boolean endsCopy = imageId == null && part == parts;
            events.add(new SnapshotCopied(imageId, snapshotId, snapshot.snapshotId(), sourceRegion, ownerId, size,
                    snapshot.mapChecksum(), snapshotDescription, part, parts, blocks,
                    endsCopy ? bytesMoved : null, endsCopy ? (long) blocksSkipped : null));
        }
        return events;
    }

    private String copiedFrom(SourceSnapshot snapshot) {
        return "Copied from " + snapshot.snapshotId() + " in " + sourceRegion;
    }

    /** The copy after one of the replicator's own events (the request's copy-events). */
    private CopyJob after(EventEnvelope event) {
        return switch (event.type()) {
            case "ImageCopyProgressed", "SnapshotCopyProgressed" -> {
                JsonNode p = event.data();
                yield with(state, stateReason, (int) p.path("blocksTotal").asLong(),
                        (int) p.path("blocksDone").asLong(), blocksSkipped, p.path("bytesMoved").asLong());
            }
            case "ImageCopied" -> {
                CopyEvent.ImageCopied c = event.dataAs(CopyEvent.ImageCopied.class);
                yield with(COMPLETED, null, blocksTotal, allDone(), (int) c.blocksSkipped(), c.bytesMoved());
            }
            case "SnapshotCopied" -> {
                SnapshotCopied part = event.dataAs(SnapshotCopied.class);
                // Only a CopySnapshot's last part ends its copy; an image copy's parts precede its ImageCopied.
                if (of instanceof CopyOf.Snapshot && part.imageId() == null && part.last()) {
                    yield with(COMPLETED, null, blocksTotal, allDone(),
                            part.blocksSkipped() == null ? blocksSkipped : part.blocksSkipped().intValue(),
                            part.bytesMoved() == null ? bytesMoved : part.bytesMoved());
                }
                yield this;
            }
            case "ImageCopyFailed", "SnapshotCopyFailed" -> {
                JsonNode reason = event.data().path("stateReason");
                yield with(FAILED, reason.path("code").asText() + ": " + reason.path("message").asText(),
                        blocksTotal, blocksDone, blocksSkipped, bytesMoved);
            }
            default -> this;
        };
    }

    /** A completed copy has every block here, whatever its last progress event said. */
    private int allDone() {
        return blocksTotal != null ? blocksTotal : blocksDone;
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

    /** A snapshot's size as published, else as the image's mapping gives it, else what holds its blocks. */
    private static int volumeSize(SourceSnapshot snapshot, JsonNode attributes) {
        if (snapshot.volumeSize() > 0) {
            return snapshot.volumeSize();
        }
        for (JsonNode mapping : attributes.path("blockDeviceMappings")) {
            if (snapshot.snapshotId().equals(mapping.path("ebs").path("snapshotId").asText())
                    && mapping.path("ebs").path("volumeSize").asInt() > 0) {
                return mapping.path("ebs").path("volumeSize").asInt();
            }
        }
        return snapshot.sizeHoldingItsBlocks();
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.path(field).asText() : null;
    }

    private CopyJob with(String newState, String newReason, Integer total, int done, int skipped, long bytes) {
        return new CopyJob(copyId, ownerId, sourceRegion, of, description, requestedAt, newState, newReason, total,
                done, skipped, bytes, attempts, version, traceparent);
    }

    private CopyJob at(long newVersion) {
        return new CopyJob(copyId, ownerId, sourceRegion, of, description, requestedAt, state, stateReason,
                blocksTotal, blocksDone, blocksSkipped, bytesMoved, attempts, newVersion, traceparent);
    }
}
