package dev.imageregistry.launch.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceTagged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceUntagged;
import dev.imageregistry.launch.domain.InstanceEvent.RootVolume;
import dev.imageregistry.launch.domain.InstanceEvent.SnapshotFailure;
import dev.imageregistry.launch.domain.InstanceEvent.StateReason;
import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.launch.domain.InstanceEvent.VolumeSnapshotTaken;
import dev.imageregistry.launch.domain.InstanceEvent.WrittenBlock;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.tags.TagRules;

/**
 * An instance aggregate, folded from its events. It decides the transitions EC2 allows (stop, start, terminate,
 * and the settling of a transitional state), the changes of its tags and the snapshots of its root volume, and
 * answers with the events they cause; it knows no framework. Its launch is decided by the image it is launched
 * from ({@link LaunchableImage#launch}).
 *
 * <p>An instance ID this service never launched can still have a stream: the answers to snapshots asked of it
 * ({@link #unlaunched}), so that the same request is answered once, there too.
 *
 * @param rootVolume the root volume InstanceLaunched named; null for an instance never launched here
 * @param snapshots the snapshot IDs already answered (taken or failed), each answered once
 */
public record Instance(String instanceId, String ownerId, String imageId, InstanceState state,
        Map<String, String> tags, RootVolume rootVolume, Set<String> snapshots, long version) {
    /** The reason EC2 gives for a stop or a termination the owner asked for. */
    public static final StateReason USER_SHUTDOWN = new StateReason("Client.UserInitiatedShutdown",
            "Client.UserInitiatedShutdown: User initiated shutdown");
    /** At most this many written blocks per VolumeSnapshotTaken (the contract's limit); more take several parts. */
    public static final int BLOCKS_PER_PART = 4096;
    /** How many instance IDs one request may name. */
    private static final int MAX_IDS = 1000;

    public Instance {
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        snapshots = Set.copyOf(snapshots);
    }

    /** An instance ID with no launch here: only snapshots asked of it are recorded, each refused once. */
    public static Instance unlaunched(String instanceId) {
        return new Instance(instanceId, null, null, null, Map.of(), null, Set.of(), 0);
    }

    /** Folds an instance's stored events, oldest first. */
    public static Instance fold(List<EventEnvelope> events) {
        Instance instance = null;
        for (EventEnvelope event : events) {
            long version = event.aggregateversion();
            instance = switch (event.type()) {
                case "InstanceLaunched" -> {
                    InstanceLaunched launched = event.dataAs(InstanceLaunched.class);
                    yield new Instance(launched.instanceId(), launched.ownerId(), launched.imageId(),
                            InstanceState.PENDING, tagsAfter(Map.of(), launched.tags(), List.of()),
                            launched.rootVolume(), Set.of(), version);
                }
                case "InstanceStateChanged" -> instance.with(
                        InstanceState.of(event.dataAs(InstanceStateChanged.class).currentState()), instance.tags,
                        instance.snapshots, version);
                case "InstanceTagged" -> instance.with(instance.state,
                        tagsAfter(instance.tags, event.dataAs(InstanceTagged.class).tags(), List.of()),
                        instance.snapshots, version);
                case "InstanceUntagged" -> instance.with(instance.state,
                        tagsAfter(instance.tags, List.of(), event.dataAs(InstanceUntagged.class).keys()),
                        instance.snapshots, version);
                case "VolumeSnapshotTaken" -> {
                    Instance known = instance != null ? instance : unlaunched(event.subject());
                    Set<String> snapshots = new HashSet<>(known.snapshots);
                    snapshots.add(event.dataAs(VolumeSnapshotTaken.class).snapshotId());
                    yield known.with(known.state, known.tags, snapshots, version);
                }
                default -> instance;
            };
        }
        return instance;
    }

    /** Whether this service launched the instance (else only refused snapshots are known of it). */
    public boolean launched() {
        return ownerId != null;
    }

    /** EC2's rules for a request's InstanceIds: 1 to 1000, each well formed; an ID named twice counts once. */
    public static List<String> wellFormedIds(List<String> requested) {
        if (requested == null || requested.isEmpty()) {
            throw Ec2Exception.missingParameter("InstanceIds");
        }
        if (requested.size() > MAX_IDS) {
            throw Ec2Exception.invalidParameter("At most " + MAX_IDS + " instance IDs may be given.");
        }
        for (String id : requested) {
            Ec2Exception.requireWellFormed(ResourceKind.INSTANCE, id);
        }
        return new ArrayList<>(new LinkedHashSet<>(requested));
    }

    /** StopInstances: a running instance starts stopping; a stopped or stopping one is left as it is. */
    public List<InstanceStateChanged> stop() {
        return switch (state) {
            case RUNNING -> List.of(to(InstanceState.STOPPING, USER_SHUTDOWN));
            case STOPPING, STOPPED -> List.of();
            default -> throw incorrectState("stop");
        };
    }

    /** StartInstances: a stopped instance goes back to pending; a running or pending one is left alone. */
    public List<InstanceStateChanged> start() {
        return switch (state) {
            case STOPPED -> List.of(to(InstanceState.PENDING, null));
            case PENDING, RUNNING -> List.of();
            default -> throw incorrectState("start");
        };
    }

    /** TerminateInstances: anything not already on its way out shuts down. */
    public List<InstanceStateChanged> terminate() {
        return switch (state) {
            case SHUTTING_DOWN, TERMINATED -> List.of();
            default -> List.of(to(InstanceState.SHUTTING_DOWN, USER_SHUTDOWN));
        };
    }

    /**
     * The transition worker's step: a transitional state settles (pending -> running once its root volume exists,
     * stopping -> stopped, shutting-down -> terminated, the last two for the owner's reason); any other state stays.
     */
    public List<InstanceStateChanged> settle() {
        InstanceState next = state.settled();
        if (next == state) {
            return List.of();
        }
        return List.of(to(next, state == InstanceState.PENDING ? null : USER_SHUTDOWN));
    }

    /**
     * A launch whose root volume cannot be created, because the snapshot-service announced that the image's root
     * snapshot was deleted, ends terminated with EC2's reason, never stuck in pending.
     */
    public List<InstanceStateChanged> failLaunch(String rootSnapshotId) {
        if (state == InstanceState.TERMINATED) {
            return List.of();
        }
        return List.of(to(InstanceState.TERMINATED, new StateReason("Client.InvalidSnapshot.NotFound",
                "Client.InvalidSnapshot.NotFound: The snapshot " + rootSnapshotId
                        + " of the image's root device no longer exists")));
    }

    /**
     * CreateTags: sets the tags (a key it has gets the new value). Allowed in every state, terminated included, as
     * on EC2 (how long a terminated instance can still be found is the service's business, not the aggregate's).
     * Refused with TagLimitExceeded when the instance would carry more than 50.
     */
    public List<InstanceTagged> tag(List<Tag> requested) {
        Map<String, String> set = TagRules.toSet(requested);
        Map<String, String> after = new LinkedHashMap<>(tags);
        after.putAll(set);
        if (after.size() > TagRules.MAX_TAGS) {
            throw TagRules.limitExceeded("an instance");
        }
        List<Tag> added = new ArrayList<>();
        set.forEach((key, value) -> added.add(new Tag(key, value)));
        return List.of(new InstanceTagged(instanceId, ownerId, added));
    }

    /**
     * DeleteTags: no tags named removes them all; a tag named with a value is removed only when the value matches
     * (as on EC2). Nothing to remove causes nothing.
     */
    public List<InstanceUntagged> untag(List<Tag> named) {
        if (named != null) {
            TagRules.checkToDelete(named);
        }
        List<String> keys = TagRules.keysToRemove(tags, named);
        return keys.isEmpty() ? List.of() : List.of(new InstanceUntagged(instanceId, ownerId, keys));
    }

    /**
     * The snapshot of the root volume that an image made from this instance needs (CreateImage, decided by the
     * registry and consumed here as ImageCreationRequested). Never refused, since nobody could be told and the
     * image would stay pending: an instance that is not the requester's (or unknown here), a volume that is not its
     * root volume or is gone, answer with the failure variant instead, which the snapshot-service turns into
     * SnapshotFailed. A volume not created yet holds exactly its base snapshot. A snapshot already answered (a
     * redelivered or replayed request) causes nothing.
     */
    public List<VolumeSnapshotTaken> snapshotForImage(SnapshotRequest request, RootVolumeContents volume,
            Instant at) {
        if (snapshots.contains(request.snapshotId())) {
            return List.of();
        }
        if (!launched() || !ownerId.equals(request.requesterId())) {
            return failed(request, instanceNotFound(), at);
        }
        if (!rootVolume.volumeId().equals(request.volumeId())
                || statusOf(volume) == RootVolumeContents.Status.DELETED) {
            return failed(request, volumeNotFound(request.volumeId()), at);
        }
        return take(request, volume.writtenBlocks(), at);
    }

    /**
     * CreateSnapshot of the root volume by its owner (the command found the volume among the caller's): refused as
     * EC2 refuses it, with InvalidVolume.NotFound for a volume that is not the caller's or was deleted and
     * IncorrectState while it is still being created.
     */
    public List<VolumeSnapshotTaken> snapshotVolume(SnapshotRequest request, RootVolumeContents volume, Instant at) {
        if (!launched() || !ownerId.equals(request.requesterId()) || !rootVolume.volumeId().equals(request.volumeId())
                || statusOf(volume) == RootVolumeContents.Status.DELETED) {
            throw Ec2Exception.notFound("InvalidVolume.NotFound", volumeNotFound(request.volumeId()).message());
        }
        if (volume.status() == RootVolumeContents.Status.CREATING) {
            throw Ec2Exception.badRequest("IncorrectState", "The volume '" + request.volumeId()
                    + "' is 'creating': it can be snapshotted once it is in use.");
        }
        if (snapshots.contains(request.snapshotId())) {
            return List.of();
        }
        return take(request, volume.writtenBlocks(), at);
    }

    /** A volume never created (its launch failed) is as gone as a deleted one once the instance is terminating. */
    private RootVolumeContents.Status statusOf(RootVolumeContents volume) {
        boolean ending = state == InstanceState.SHUTTING_DOWN || state == InstanceState.TERMINATED;
        return volume.status() == RootVolumeContents.Status.CREATING && ending ? RootVolumeContents.Status.DELETED
                : volume.status();
    }

    /** The volume's block map in parts of at most BLOCKS_PER_PART written blocks (one part when it wrote none). */
    private List<VolumeSnapshotTaken> take(SnapshotRequest request, List<WrittenBlock> written, Instant at) {
        int parts = Math.max(1, (written.size() + BLOCKS_PER_PART - 1) / BLOCKS_PER_PART);
        List<VolumeSnapshotTaken> taken = new ArrayList<>(parts);
        for (int part = 1; part <= parts; part++) {
            List<WrittenBlock> blocks = written.subList((part - 1) * BLOCKS_PER_PART,
                    Math.min(written.size(), part * BLOCKS_PER_PART));
            taken.add(new VolumeSnapshotTaken(instanceId, rootVolume.volumeId(), request.snapshotId(),
                    request.requesterId(), rootVolume.snapshotId(), request.imageId(), rootVolume.volumeSize(),
                    description(request), request.tags(), part, parts, List.copyOf(blocks), at, null));
        }
        return taken;
    }

    /** Nothing taken: the request told back as it was asked, so that no fact of someone else's volume leaks. */
    private List<VolumeSnapshotTaken> failed(SnapshotRequest request, SnapshotFailure failure, Instant at) {
        int size = request.expectedSize() != null && request.expectedSize() > 0 ? request.expectedSize() : 1;
        return List.of(new VolumeSnapshotTaken(instanceId, request.volumeId(), request.snapshotId(),
                request.requesterId(), request.snapshotId(), request.imageId(), size, description(request),
                request.tags(), 1, 1, List.of(), at, failure));
    }

    /** The caller's description, else EC2's for a snapshot CreateImage makes. */
    private String description(SnapshotRequest request) {
        if (request.description() != null || request.imageId() == null) {
            return request.description();
        }
        return "Created by CreateImage(" + instanceId + ") for " + request.imageId() + " from " + request.volumeId();
    }

    private SnapshotFailure instanceNotFound() {
        return new SnapshotFailure("InvalidInstanceID.NotFound", "The instance ID '" + instanceId + "' does not exist");
    }

    private static SnapshotFailure volumeNotFound(String volumeId) {
        return new SnapshotFailure("InvalidVolume.NotFound", "The volume '" + volumeId + "' does not exist.");
    }

    private Instance with(InstanceState state, Map<String, String> tags, Set<String> snapshots, long version) {
        return new Instance(instanceId, ownerId, imageId, state, tags, rootVolume, snapshots, version);
    }

    private static Map<String, String> tagsAfter(Map<String, String> tags, List<Tag> set, List<String> removed) {
        Map<String, String> after = new LinkedHashMap<>(tags);
        if (set != null) {
            set.forEach(tag -> after.put(tag.key(), tag.value()));
        }
        removed.forEach(after::remove);
        return after;
    }

    private InstanceStateChanged to(InstanceState next, StateReason reason) {
        return new InstanceStateChanged(instanceId, ownerId, imageId, state.wire(), next.wire(), reason);
    }

    private Ec2Exception incorrectState(String action) {
        return Ec2Exception.badRequest("IncorrectInstanceState", "The instance '" + instanceId
                + "' is not in a state from which it can be " + (action.equals("stop") ? "stopped" : "started")
                + " (it is " + state.wire() + ").");
    }
}
