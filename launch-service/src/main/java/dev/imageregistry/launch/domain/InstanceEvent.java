package dev.imageregistry.launch.domain;

import java.time.Instant;
import java.util.List;

import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventType;
import dev.imageregistry.platform.tags.TagRules;

/** What happens to an instance; published on instance-events (docs/events/Instance*.schema.json). */
public sealed interface InstanceEvent extends DomainEvent {

    String instanceId();

    @Override
    default String aggregateId() {
        return instanceId();
    }

    record Tag(String key, String value) implements TagRules.KeyValue {
    }

    record RootVolume(String volumeId, String snapshotId, int volumeSize) {
    }

    record StateReason(String code, String message) {
    }

    @EventType("InstanceLaunched")
    record InstanceLaunched(String instanceId, String ownerId, String imageId, String imageOwnerId,
            String instanceType, String reservationId, int amiLaunchIndex, String rootDeviceName,
            RootVolume rootVolume, boolean deleteOnTermination, Instant launchTime, List<Tag> tags)
            implements InstanceEvent {
    }

    @EventType("InstanceStateChanged")
    record InstanceStateChanged(String instanceId, String ownerId, String imageId, String previousState,
            String currentState, StateReason stateReason) implements InstanceEvent {
    }

    /** CreateTags after the launch: the tags set, each added or overwriting the value of its key. */
    @EventType("InstanceTagged")
    record InstanceTagged(String instanceId, String ownerId, List<Tag> tags) implements InstanceEvent {
    }

    /** DeleteTags: the keys that were removed (only keys the instance had). */
    @EventType("InstanceUntagged")
    record InstanceUntagged(String instanceId, String ownerId, List<String> keys) implements InstanceEvent {
    }
}
