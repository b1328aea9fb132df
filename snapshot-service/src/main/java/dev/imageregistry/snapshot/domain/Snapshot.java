package dev.imageregistry.snapshot.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.tags.TagRules;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotBlocksRecorded;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCompleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCopyRequested;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotDeleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotFailed;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotStarted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotTagged;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotUntagged;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;

/**
 * A snapshot aggregate, folded from its events. It decides every command on a snapshot — start, the admission of
 * blocks, completion, timing out, tags, deletion, and the creation of a snapshot copied from another Region or
 * taken from a volume — and answers with the events they cause, or refuses with EC2's error; it knows no
 * framework, no SQL and no clock.
 *
 * <p>Only the owner changes a snapshot: to anyone else it answers InvalidSnapshot.NotFound, exactly as for a
 * snapshot that does not exist (and a deleted one does not). Blocks are not events: {@link #acceptBlock} admits a
 * write (or refuses it) and the block lands in the map, which the stream carries once, on completion.
 *
 * <p>A snapshot asked for by CopySnapshot ({@code copySource} set) is pending until the region-replicator's copy
 * completes or fails it; nobody writes or completes it meanwhile, and its {@code volumeSize} is 0 (not known) until
 * the copy completes.
 */
public record Snapshot(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId,
        String description, Map<String, String> tags, SnapshotState state, long version, CopySource copySource) {

    public Snapshot {
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /** A snapshot that is not a CopySnapshot's. */
    public Snapshot(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId, String description,
            Map<String, String> tags, SnapshotState state, long version) {
        this(snapshotId, ownerId, volumeSize, parentSnapshotId, description, tags, state, version, null);
    }

    /** Where a CopySnapshot copies from: a snapshot of that Region (this one, or another). */
    public record CopySource(String region, String snapshotId) {
    }

    /** Folds a snapshot's stored events, oldest first; null for none. */
    public static Snapshot fold(List<EventEnvelope> events) {
        Snapshot snapshot = null;
        for (EventEnvelope event : events) {
            snapshot = switch (event.type()) {
                // A part of the map only moves the version: the map is the block store's, and parsing 300 KB parts
                // to drop them would make every later command on a large snapshot slow.
                case "SnapshotBlocksRecorded", "SnapshotBlocksOverlaid" ->
                    snapshot.at(snapshot.state, snapshot.tags, event.aggregateversion());
                case "SnapshotStarted" -> after(snapshot, event.dataAs(SnapshotStarted.class), event.aggregateversion());
                case "SnapshotCopyRequested" ->
                    after(snapshot, event.dataAs(SnapshotCopyRequested.class), event.aggregateversion());
                case "SnapshotCompleted" -> after(snapshot, event.dataAs(SnapshotCompleted.class), event.aggregateversion());
                case "SnapshotFailed" -> after(snapshot, event.dataAs(SnapshotFailed.class), event.aggregateversion());
                case "SnapshotTagged" -> after(snapshot, event.dataAs(SnapshotTagged.class), event.aggregateversion());
                case "SnapshotUntagged" -> after(snapshot, event.dataAs(SnapshotUntagged.class), event.aggregateversion());
                case "SnapshotDeleted" -> after(snapshot, event.dataAs(SnapshotDeleted.class), event.aggregateversion());
                default -> snapshot;
            };
        }
        return snapshot;
    }

    /** The snapshot once {@code event} happened to it (null before its start): the step the fold repeats. */
    public static Snapshot after(Snapshot snapshot, SnapshotEvent event, long version) {
        if (event instanceof SnapshotStarted started) {
            return new Snapshot(started.snapshotId(), started.ownerId(), started.volumeSize(),
                    started.parentSnapshotId(), started.description(), tagsAfter(Map.of(), started.tags(), List.of()),
                    SnapshotState.PENDING, version);
        }
        if (event instanceof SnapshotCopyRequested requested) {
            return new Snapshot(requested.snapshotId(), requested.ownerId(), 0, null, requested.description(),
                    tagsAfter(Map.of(), requested.tags(), List.of()), SnapshotState.PENDING, version,
                    new CopySource(requested.sourceRegion(), requested.sourceSnapshotId()));
        }
        if (event instanceof SnapshotCompleted completed) {
            // The size of a CopySnapshot's snapshot is known from here on (for any other it is the start's).
            return new Snapshot(snapshot.snapshotId, snapshot.ownerId, completed.volumeSize(), snapshot.parentSnapshotId,
                    snapshot.description, snapshot.tags, SnapshotState.COMPLETED, version, snapshot.copySource);
        }
        if (event instanceof SnapshotFailed failed) {
            if (snapshot == null) {
                // A snapshot of a volume that could not be taken: it never started, and the ID stays used.
                return new Snapshot(failed.snapshotId(), failed.ownerId(), 0, null, null, Map.of(),
                        SnapshotState.ERROR, version);
            }
            return snapshot.at(SnapshotState.ERROR, snapshot.tags, version);
        }
        if (event instanceof SnapshotTagged tagged) {
            return snapshot.at(snapshot.state, tagsAfter(snapshot.tags, tagged.tags(), List.of()), version);
        }
        if (event instanceof SnapshotUntagged untagged) {
            return snapshot.at(snapshot.state, tagsAfter(snapshot.tags, List.of(), untagged.keys()), version);
        }
        if (event instanceof SnapshotDeleted) {
            return snapshot.at(SnapshotState.DELETED, snapshot.tags, version);
        }
        return snapshot.at(snapshot.state, snapshot.tags, version); // SnapshotBlocksRecorded, SnapshotBlocksOverlaid
    }

    /**
     * StartSnapshot: a new snapshot, pending. An incremental one names a parent the caller may read (the caller
     * looked it up: one it may not read is NotFound before this), which must be completed and not larger than the
     * new volume.
     */
    public static List<SnapshotEvent> start(String snapshotId, String ownerId, StartSnapshot command, Snapshot parent,
            Instant now) {
        if (command.parentSnapshotId() != null) {
            if (parent == null || parent.state == SnapshotState.DELETED) {
                throw notFound(command.parentSnapshotId());
            }
            if (parent.state != SnapshotState.COMPLETED) {
                throw Ec2Exception.badRequest("IncorrectState", "The parent snapshot " + parent.snapshotId
                        + " is not completed.");
            }
            if (parent.volumeSize > command.volumeSize()) {
                throw Ec2Exception.invalidParameter("VolumeSize must be at least the parent's (" + parent.volumeSize
                        + " GiB).");
            }
        }
        return List.of(new SnapshotStarted(snapshotId, ownerId, command.volumeSize(), command.parentSnapshotId(),
                command.description(), command.tags(), now));
    }

    /**
     * PutSnapshotBlock, block-uploads and block-references: blocks up to {@code highestIndex} may be written while
     * the owner's snapshot is pending and the index is inside the volume. A write causes no event (the map is
     * published on completion).
     */
    public List<SnapshotEvent> acceptBlock(String caller, long highestIndex) {
        requireOwner(caller);
        if (state != SnapshotState.PENDING || copying()) {
            throw incorrectState();
        }
        BlockIndex.requireInside(highestIndex, volumeSize);
        return List.of();
    }

    /**
     * CompleteSnapshot on the owner's pending snapshot. {@code written} is its map, read only once the snapshot
     * may be completed. The count and the LINEAR checksum of the blocks written in this snapshot are compared with
     * the client's: a mismatch is not a refusal, the snapshot fails (as on EBS). Completed, the whole map (inherited
     * blocks too) goes out before SnapshotCompleted, so whoever sees the completion has seen every block.
     */
    public List<SnapshotEvent> complete(String caller, CompleteSnapshot command, Supplier<BlockMap> written,
            Instant now) {
        requireOwner(caller);
        if (state != SnapshotState.PENDING || copying()) {
            throw incorrectState();
        }
        BlockMap map = written.get();
        long changed = map.changedCount();
        BlockChecksum actual = map.changedChecksum();
        if (changed != command.changedBlocksCount()) {
            return failed("ChangedBlocksCountMismatch", "ChangedBlocksCount was " + command.changedBlocksCount()
                    + " but " + changed + " blocks were written.");
        }
        if (command.checksum() != null && !command.checksum().matches(actual)) {
            return failed("ChecksumMismatch", "The aggregate checksum does not match the blocks written.");
        }
        List<SnapshotEvent> completion = new ArrayList<>(BlockMapParts.of(snapshotId, ownerId, volumeSize,
                map.mapped()));
        completion.add(new SnapshotCompleted(snapshotId, ownerId, volumeSize, parentSnapshotId, map.size(),
                actual.base64(), BlockChecksum.ALGORITHM, description, now));
        return completion;
    }

    /** A snapshot still pending after its deadline fails; any other is left as it is. */
    public List<SnapshotEvent> timeOut(Instant now, Instant deadline) {
        if (state != SnapshotState.PENDING || copying() || deadline == null || !now.isAfter(deadline)) {
            return List.of();
        }
        return failed("Timeout", "The snapshot was not completed within its timeout.");
    }

    /**
     * CreateTags: sets the tags (a key it has gets the new value) in any state; refused with TagLimitExceeded when
     * the snapshot would carry more than 50.
     */
    public List<SnapshotEvent> tag(String caller, List<Tag> requested) {
        requireOwner(caller);
        Map<String, String> set = TagRules.toSet(requested);
        Map<String, String> after = new LinkedHashMap<>(tags);
        after.putAll(set);
        if (after.size() > TagRules.MAX_TAGS) {
            throw TagRules.limitExceeded("a snapshot");
        }
        List<Tag> added = new ArrayList<>();
        set.forEach((key, value) -> added.add(new Tag(key, value)));
        return List.of(new SnapshotTagged(snapshotId, ownerId, added));
    }

    /**
     * DeleteTags: no tags named removes them all; a tag named with a value is removed only when the value matches
     * (as on EC2). Nothing to remove causes nothing.
     */
    public List<SnapshotEvent> untag(String caller, List<Tag> named) {
        requireOwner(caller);
        if (named != null) {
            TagRules.checkToDelete(named);
        }
        List<String> keys = TagRules.keysToRemove(tags, named);
        return keys.isEmpty() ? List.of() : List.of(new SnapshotUntagged(snapshotId, ownerId, keys));
    }

    /**
     * DeleteSnapshot, in any state; refused while an image maps the snapshot ({@code usedBy}: those images). A pending
     * copy may be deleted too (EC2 accepts it and lets the copy run out): here it is gone at once, and whatever the
     * region-replicator answers later changes nothing.
     */
    public List<SnapshotEvent> delete(String caller, List<String> usedBy) {
        requireOwner(caller);
        if (!usedBy.isEmpty()) {
            throw Ec2Exception.badRequest("InvalidSnapshot.InUse",
                    "The snapshot " + snapshotId + " is currently in use by " + usedBy.get(0) + ".");
        }
        return List.of(new SnapshotDeleted(snapshotId, ownerId));
    }

    /**
     * After an image was deregistered with its snapshots: the snapshot goes if the image's owner owns it and no
     * other image maps it; otherwise (or when it is gone already, a redelivery) nothing happens.
     */
    public List<SnapshotEvent> deleteUnused(String imageOwner, List<String> usedBy) {
        if (state == SnapshotState.DELETED || !ownerId.equals(imageOwner) || !usedBy.isEmpty()) {
            return List.of();
        }
        return List.of(new SnapshotDeleted(snapshotId, ownerId));
    }

    /**
     * A snapshot the region-replicator copied here, created completed with its map and its lineage. A map that does
     * not add up (indexes out of order or outside the volume, or not the announced checksum) is refused, never
     * served: the snapshot starts and fails at once. The description is cut to EC2's 255 characters.
     */
    public static List<SnapshotEvent> copiedIn(SnapshotCopy copy, Instant now) {
        String id = copy.snapshotId();
        String description = copy.description() != null && copy.description().length() > 255
                ? copy.description().substring(0, 255) : copy.description();
        List<SnapshotEvent> happened = new ArrayList<>();
        happened.add(new SnapshotStarted(id, copy.ownerId(), copy.volumeSize(), null, description, List.of(), now));
        String problem = copy.problem();
        if (problem != null) {
            happened.add(new SnapshotFailed(id, copy.ownerId(), new StateReason("ChecksumMismatch", problem)));
            return happened;
        }
        happened.addAll(copyCompleted(copy, description, now));
        return happened;
    }

    /**
     * CopySnapshot in this Region, checked ({@link CopySnapshot#of}): the new snapshot is the caller's, pending,
     * with the description and tags asked for. Its size is not known until the copy completes it.
     */
    public static List<SnapshotEvent> requestCopy(String snapshotId, String ownerId, CopySnapshot command,
            Instant now) {
        return List.of(new SnapshotCopyRequested(snapshotId, ownerId, command.sourceRegion(),
                command.sourceSnapshotId(), command.description(), command.tags(), now));
    }

    /**
     * The region-replicator delivered a CopySnapshot's copy, every part of its map received ({@code delivered}, read
     * only while the copy is pending): the map and its lineage complete the snapshot, with the size the copy tells.
     * A map that does not add up fails it (never served), and so does a copy of another source or for another owner
     * (a snapshot must never hold what its owner did not ask for). A copy already completed, failed or deleted, or a
     * snapshot that is no CopySnapshot's, changes nothing: a redelivered or late part.
     */
    public List<SnapshotEvent> copied(Supplier<SnapshotCopy> delivered, Instant now) {
        if (!copying()) {
            return List.of();
        }
        SnapshotCopy copy = delivered.get();
        if (!copy.ownerId().equals(ownerId) || !copy.sourceRegion().equals(copySource.region())
                || !copy.sourceSnapshotId().equals(copySource.snapshotId())) {
            return failed("InvalidSnapshot.Mismatch", "The copy delivered (" + copy.sourceRegion() + " "
                    + copy.sourceSnapshotId() + ") is not the copy requested (" + copySource.region() + " "
                    + copySource.snapshotId() + ").");
        }
        String problem = copy.problem();
        if (problem != null) {
            return failed("ChecksumMismatch", problem);
        }
        return copyCompleted(copy, description, now);
    }

    /** The copy could not be made (the replicator's SnapshotCopyFailed): a pending copy fails with the reason. */
    public List<SnapshotEvent> copyFailed(StateReason reason) {
        return copying() ? List.of(new SnapshotFailed(snapshotId, ownerId, reason)) : List.of();
    }

    /** The map of a copy, then its completion with its lineage: one way for an image's copy and a CopySnapshot. */
    private static List<SnapshotEvent> copyCompleted(SnapshotCopy copy, String description, Instant now) {
        String id = copy.snapshotId();
        List<SnapshotEvent> completion = new ArrayList<>(BlockMapParts.of(id, copy.ownerId(), copy.volumeSize(),
                copy.blocks()));
        completion.add(new SnapshotCompleted(id, copy.ownerId(), copy.volumeSize(), null, copy.blocks().size(),
                copy.aggregateChecksum(), BlockChecksum.ALGORITHM, description, now, copy.sourceSnapshotId(),
                copy.sourceRegion()));
        return completion;
    }

    /**
     * A snapshot taken from a volume (CreateImage, CreateSnapshot), every part of VolumeSnapshotTaken received: its
     * map is the base snapshot's map with the volume's written blocks laid over it, and no block is copied (their
     * objects are in the bucket already, content-addressed). It is created completed at once, whatever the volume's
     * size; what cannot become a snapshot (the base is unknown, deleted, not completed or larger than the volume, the
     * blocks do not add up or their objects are missing) starts and fails at once with the reason. A volume that could
     * not be snapshotted at all (the launch-service's {@code failure}) starts nothing: SnapshotFailed alone.
     *
     * <p>The map is kept, and published (SnapshotBlocksOverlaid), as a layer over the base's map: the written blocks
     * alone, so that a 64 GiB image costs what a 1 GiB one does. The base is still not the snapshot's EBS parent
     * (parentSnapshotId null; ListSnapshotBlocks lists the full map, every block counted as its own, and
     * SnapshotCompleted's LINEAR checksum is the full map's = the layer's mapChecksum), because the base is often
     * another account's (a public image's snapshot) which the owner may not read or name, and it may be deleted
     * later (its map then stays as long as a layer needs it: {@link BlockMapLifetime}).
     *
     * <p>{@code overBase} (the resolved map's count and checksum, given the written blocks) is computed, and
     * {@code missingObjects} (the indexes of written blocks whose object the bucket lacks) asked, only once the
     * rest holds. The base needs no read permission of the owner: the launch-service
     * created the owner's volume from it (as on EC2, a volume stays its owner's whatever happens to the permission).
     * A deleted base still serves while volumes hold its map ({@code baseLifetime} HELD: on EC2 a volume outlives
     * the snapshot it was made from); once no volume holds it, it is gone as for any other.
     * {@code existing} is whatever the event store knows of {@code taken.snapshotId()}: one snapshot per ID, so a
     * redelivered or replayed VolumeSnapshotTaken changes nothing, even after the snapshot was deleted.
     */
    public static List<SnapshotEvent> takenFromVolume(Snapshot existing, VolumeSnapshot taken, Snapshot base,
            BlockMapLifetime baseLifetime, Function<List<MappedBlock>, BlockMap.Summary> overBase,
            Function<List<MappedBlock>, List<Integer>> missingObjects, Instant now) {
        if (existing != null) {
            return List.of();
        }
        String id = taken.snapshotId();
        String owner = taken.ownerId();
        if (taken.failure() != null) {
            // Nothing was taken (the instance or volume is unknown, not the owner's, or gone): no snapshot starts,
            // and the failure alone answers whoever awaits the ID (the registry's pending image).
            return List.of(new SnapshotFailed(id, owner, taken.failure()));
        }
        List<SnapshotEvent> happened = new ArrayList<>();
        happened.add(new SnapshotStarted(id, owner, taken.volumeSize(), null, taken.describedAs(), taken.tags(), now));
        StateReason refused = refusalOf(taken, base, baseLifetime);
        if (refused == null && !taken.writtenBlocks().isEmpty()) {
            List<Integer> missing = missingObjects.apply(taken.writtenBlocks());
            if (!missing.isEmpty()) {
                refused = new StateReason("InvalidBlock.NotFound", "The object store does not hold the data of "
                        + "block(s) " + missing + " written by " + taken.volumeId() + "; nothing was referenced.");
            }
        }
        if (refused != null) {
            happened.add(new SnapshotFailed(id, owner, refused));
            return happened;
        }
        // The new map is a layer over the base's: the written blocks are all it stores and publishes, whatever the
        // volume's size; the count and the LINEAR checksum are the resolved map's, as EC2 reports a full snapshot.
        BlockMap.Summary full = overBase.apply(taken.writtenBlocks());
        happened.addAll(BlockMapParts.layer(id, owner, taken.volumeSize(), taken.baseSnapshotId(),
                taken.writtenBlocks(), full));
        happened.add(new SnapshotCompleted(id, owner, taken.volumeSize(), null, full.blockCount(),
                full.checksum().base64(), BlockChecksum.ALGORITHM, taken.describedAs(), now));
        return happened;
    }

    private static StateReason refusalOf(VolumeSnapshot taken, Snapshot base, BlockMapLifetime baseLifetime) {
        String baseId = taken.baseSnapshotId();
        if (base == null || base.state == SnapshotState.DELETED && baseLifetime != BlockMapLifetime.HELD) {
            return new StateReason("InvalidSnapshot.NotFound", "The base snapshot " + baseId + " of "
                    + taken.volumeId() + " does not exist (unknown, or deleted).");
        }
        // A deleted base whose map volumes hold was completed: only completed snapshots back volumes.
        if (base.state != SnapshotState.COMPLETED && base.state != SnapshotState.DELETED) {
            return new StateReason("IncorrectState", "The base snapshot " + baseId + " of " + taken.volumeId()
                    + " is " + base.state.wire() + ", not completed.");
        }
        if (base.volumeSize > taken.volumeSize()) {
            return new StateReason("InvalidParameterValue", "The volume " + taken.volumeId() + " ("
                    + taken.volumeSize() + " GiB) is smaller than its base snapshot " + baseId + " ("
                    + base.volumeSize + " GiB).");
        }
        String problem = taken.problem();
        return problem == null ? null : new StateReason("InvalidParameterValue", problem);
    }

    public boolean pending() {
        return state == SnapshotState.PENDING;
    }

    /** A CopySnapshot's snapshot that its copy has not completed or failed yet. */
    public boolean copying() {
        return state == SnapshotState.PENDING && copySource != null;
    }

    public static Ec2Exception notFound(String snapshotId) {
        return Ec2Exception.notFound("InvalidSnapshot.NotFound", "The snapshot '" + snapshotId + "' does not exist.");
    }

    private void requireOwner(String caller) {
        if (state == SnapshotState.DELETED || !ownerId.equals(caller)) {
            throw notFound(snapshotId);
        }
    }

    private Ec2Exception incorrectState() {
        if (copying()) {
            return Ec2Exception.badRequest("IncorrectState", "The snapshot " + snapshotId + " is pending: it is a copy of "
                    + copySource.snapshotId() + " (" + copySource.region() + ") that only the copy fills.");
        }
        return Ec2Exception.badRequest("IncorrectState", "The snapshot " + snapshotId + " is " + state.wire() + ".");
    }

    private List<SnapshotEvent> failed(String code, String message) {
        return List.of(new SnapshotFailed(snapshotId, ownerId, new StateReason(code, message)));
    }

    private Snapshot at(SnapshotState newState, Map<String, String> newTags, long newVersion) {
        return new Snapshot(snapshotId, ownerId, volumeSize, parentSnapshotId, description, newTags, newState,
                newVersion, copySource);
    }

    private static Map<String, String> tagsAfter(Map<String, String> tags, List<Tag> set, List<String> removed) {
        Map<String, String> after = new LinkedHashMap<>(tags);
        if (set != null) {
            set.forEach(tag -> after.put(tag.key(), tag.value()));
        }
        removed.forEach(after::remove);
        return after;
    }

    /** The tags in the order they were first set, as the events carry them. */
    public List<Tag> tagList() {
        List<Tag> list = new ArrayList<>();
        tags.forEach((key, value) -> list.add(new Tag(key, value)));
        return list;
    }
}
