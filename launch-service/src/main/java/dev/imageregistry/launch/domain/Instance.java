package dev.imageregistry.launch.domain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceTagged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceUntagged;
import dev.imageregistry.launch.domain.InstanceEvent.StateReason;
import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.tags.TagRules;

/**
 * An instance aggregate, folded from its events. It decides the transitions EC2 allows (stop, start, terminate,
 * and the settling of a transitional state) and the changes of its tags, and answers with the events they cause;
 * it knows no framework. Its launch is decided by the image it is launched from ({@link LaunchableImage#launch}).
 */
public record Instance(String instanceId, String ownerId, String imageId, InstanceState state,
        Map<String, String> tags, long version) {
    /** The reason EC2 gives for a stop or a termination the owner asked for. */
    public static final StateReason USER_SHUTDOWN = new StateReason("Client.UserInitiatedShutdown",
            "Client.UserInitiatedShutdown: User initiated shutdown");
    /** How many instance IDs one request may name. */
    private static final int MAX_IDS = 1000;

    public Instance {
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    /** Folds an instance's stored events, oldest first. */
    public static Instance fold(List<EventEnvelope> events) {
        Instance instance = null;
        for (EventEnvelope event : events) {
            instance = switch (event.type()) {
                case "InstanceLaunched" -> {
                    InstanceLaunched launched = event.dataAs(InstanceLaunched.class);
                    yield new Instance(launched.instanceId(), launched.ownerId(), launched.imageId(),
                            InstanceState.PENDING, tagsAfter(Map.of(), launched.tags(), List.of()),
                            event.aggregateversion());
                }
                case "InstanceStateChanged" -> new Instance(instance.instanceId, instance.ownerId, instance.imageId,
                        InstanceState.of(event.dataAs(InstanceStateChanged.class).currentState()), instance.tags,
                        event.aggregateversion());
                case "InstanceTagged" -> new Instance(instance.instanceId, instance.ownerId, instance.imageId,
                        instance.state, tagsAfter(instance.tags, event.dataAs(InstanceTagged.class).tags(), List.of()),
                        event.aggregateversion());
                case "InstanceUntagged" -> new Instance(instance.instanceId, instance.ownerId, instance.imageId,
                        instance.state, tagsAfter(instance.tags, List.of(), event.dataAs(InstanceUntagged.class).keys()),
                        event.aggregateversion());
                default -> instance;
            };
        }
        return instance;
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
