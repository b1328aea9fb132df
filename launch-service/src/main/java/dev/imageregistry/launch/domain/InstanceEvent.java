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

    /** A block the volume wrote itself: its index and the SHA-256 of its content (base64). */
    record WrittenBlock(long index, String checksum) {
    }

    /** Why no snapshot could be taken (EC2's code and message); the snapshot-service records SnapshotFailed. */
    record SnapshotFailure(String code, String message) {
    }

    /**
     * The root volume's block map at one moment, for a new snapshot (docs/events/VolumeSnapshotTaken): one event per
     * part of at most {@link Instance#BLOCKS_PER_PART} written blocks. With {@code failure}, nothing was taken and
     * the other fields describe only what was asked (the base repeats the snapshot ID, no block is listed).
     */
    @EventType("VolumeSnapshotTaken")
    record VolumeSnapshotTaken(String instanceId, String volumeId, String snapshotId, String ownerId,
            String baseSnapshotId, String imageId, int volumeSize, String description, List<Tag> tags, int part,
            int parts, List<WrittenBlock> writtenBlocks, Instant takenAt, SnapshotFailure failure)
            implements InstanceEvent {
    }

    /** DeleteTags: the keys that were removed (only keys the instance had). */
    @EventType("InstanceUntagged")
    record InstanceUntagged(String instanceId, String ownerId, List<String> keys) implements InstanceEvent {
    }
}
