package dev.imageregistry.registry.domain;

import java.time.Instant;
import java.util.List;

import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventType;

/**
 * Everything that can happen to an image. Field names are the contract of docs/events/Image*.schema.json
 * (camelCase on the wire through EventJson).
 */
public sealed interface ImageEvent extends DomainEvent {

    String imageId();

    @Override
    default String aggregateId() {
        return imageId();
    }

    record Tag(String key, String value) implements dev.imageregistry.platform.tags.TagRules.KeyValue {
    }

    record Ebs(String snapshotId, Integer volumeSize, String volumeType, Boolean deleteOnTermination) {
    }

    record BlockDeviceMapping(String deviceName, Ebs ebs) {
    }

    record StateReason(String code, String message) {
    }

    @EventType("ImageRegistered")
    record ImageRegistered(String imageId, String ownerId, String name, String description, String architecture,
            String rootDeviceName, String rootDeviceType, List<BlockDeviceMapping> blockDeviceMappings, String bootMode,
            String virtualizationType, Boolean enaSupport, String imdsSupport, List<Tag> tags, String state,
            Instant creationDate) implements ImageEvent {
    }

    @EventType("ImageCopyRequested")
    record ImageCopyRequested(String imageId, String ownerId, String name, String description, String sourceImageId,
            String sourceRegion, boolean copyImageTags, Instant creationDate) implements ImageEvent {
    }

    /**
     * CreateImage: a pending image of an instance, whose root device maps the snapshot {@code snapshotId} that the
     * launch-service and the snapshot-service make from the root volume {@code volumeId}.
     */
    @EventType("ImageCreationRequested")
    record ImageCreationRequested(String imageId, String ownerId, String name, String description,
            String sourceInstanceId, String volumeId, String snapshotId, String architecture, String rootDeviceName,
            List<BlockDeviceMapping> blockDeviceMappings, String bootMode, String virtualizationType,
            Boolean enaSupport, String imdsSupport, List<Tag> tags, boolean noReboot, Instant creationDate)
            implements ImageEvent {
    }

    @EventType("ImageAvailable")
    record ImageAvailable(String imageId, String architecture, String rootDeviceName,
            List<BlockDeviceMapping> blockDeviceMappings, String bootMode, String virtualizationType,
            Boolean enaSupport, String imdsSupport, List<Tag> tags) implements ImageEvent {
    }

    @EventType("ImageFailed")
    record ImageFailed(String imageId, StateReason stateReason) implements ImageEvent {
    }

    @EventType("ImageDescriptionChanged")
    record ImageDescriptionChanged(String imageId, String description) implements ImageEvent {
    }

    @EventType("ImageShared")
    record ImageShared(String imageId, List<String> userIds, List<String> groups) implements ImageEvent {
    }

    @EventType("ImageUnshared")
    record ImageUnshared(String imageId, List<String> userIds, List<String> groups) implements ImageEvent {
    }

    @EventType("ImageTagged")
    record ImageTagged(String imageId, List<Tag> tags) implements ImageEvent {
    }

    @EventType("ImageUntagged")
    record ImageUntagged(String imageId, List<String> keys) implements ImageEvent {
    }

    @EventType("ImageDeprecated")
    record ImageDeprecated(String imageId, Instant deprecationTime) implements ImageEvent {
    }

    @EventType("ImageDeprecationCancelled")
    record ImageDeprecationCancelled(String imageId) implements ImageEvent {
    }

    @EventType("ImageDisabled")
    record ImageDisabled(String imageId) implements ImageEvent {
    }

    @EventType("ImageEnabled")
    record ImageEnabled(String imageId) implements ImageEvent {
    }

    /** {@code withCooldown} is an additive field of this service's schema (EnableImageDeregistrationProtection). */
    @EventType("ImageDeregistrationProtectionChanged")
    record ImageDeregistrationProtectionChanged(String imageId, boolean enabled, Boolean withCooldown,
            Instant cooldownUntil) implements ImageEvent {
    }

    @EventType("ImageDeregistered")
    record ImageDeregistered(String imageId, String ownerId, boolean deleteSnapshots, List<String> snapshotIds)
            implements ImageEvent {
    }

    /** The event families by wire name, to read envelopes back into records; null for another family's event. */
    static Class<? extends ImageEvent> typeOf(String eventType) {
        return Types.BY_NAME.get(eventType);
    }

    final class Types {
        private static final java.util.Map<String, Class<? extends ImageEvent>> BY_NAME = new java.util.HashMap<>();

        static {
            for (Class<?> candidate : ImageEvent.class.getPermittedSubclasses()) {
                BY_NAME.put(candidate.getAnnotation(EventType.class).value(), candidate.asSubclass(ImageEvent.class));
            }
        }

        private Types() {
        }
    }
}
