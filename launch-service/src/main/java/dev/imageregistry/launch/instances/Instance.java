package dev.imageregistry.launch.instances;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.imageregistry.platform.tags.TagRules;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceTagged;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceUntagged;
import dev.imageregistry.launch.instances.InstanceEvent.StateReason;
import dev.imageregistry.launch.instances.InstanceEvent.Tag;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;

/**
 * An instance aggregate, folded from its events. It decides the transitions EC2 allows (stop, start, terminate,
 * and the settling of a transitional state) and the changes of its tags, and answers with the events they cause;
 * it knows no framework.
 */
public record Instance(String instanceId, String ownerId, String imageId, InstanceState state,
        Map<String, String> tags, long version) {

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

    /** StopInstances: a running instance starts stopping; a stopped or stopping one is left as it is. */
    public List<InstanceStateChanged> stop() {
        return switch (state) {
            case RUNNING -> List.of(to(InstanceState.STOPPING, new StateReason("Client.UserInitiatedShutdown",
                    "Client.UserInitiatedShutdown: User initiated shutdown")));
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
            default -> List.of(to(InstanceState.SHUTTING_DOWN, new StateReason("Client.UserInitiatedShutdown",
                    "Client.UserInitiatedShutdown: User initiated shutdown")));
        };
    }

    /** The transition worker's step: a transitional state settles (pending->running, ...). */
    public List<InstanceStateChanged> settle(StateReason reason) {
        InstanceState next = state.settled();
        return next == state ? List.of() : List.of(to(next, reason));
    }

    /** A launch that cannot complete (its volume cannot be created) ends terminated, never stuck in pending. */
    public List<InstanceStateChanged> fail(StateReason reason) {
        return state == InstanceState.TERMINATED ? List.of() : List.of(to(InstanceState.TERMINATED, reason));
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
        List<String> keys = new ArrayList<>();
        if (named == null || named.isEmpty()) {
            keys.addAll(tags.keySet());
        } else {
            TagRules.checkToDelete(named);
            for (Tag tag : named) {
                String value = tags.get(tag.key());
                if (value != null && (tag.value() == null || tag.value().equals(value)) && !keys.contains(tag.key())) {
                    keys.add(tag.key());
                }
            }
        }
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
