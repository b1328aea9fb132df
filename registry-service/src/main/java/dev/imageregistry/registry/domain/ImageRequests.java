package dev.imageregistry.registry.domain;

import java.time.Instant;
import java.util.List;

import dev.imageregistry.registry.domain.ImageEvent.BlockDeviceMapping;
import dev.imageregistry.registry.domain.ImageEvent.Tag;

/**
 * The image actions' inputs, named as EC2 names their parameters (PascalCase on the wire). Nothing here carries
 * an owner, a state or a visibility: those come from the token and the image's own events.
 */
public final class ImageRequests {
    private ImageRequests() {
    }

    public record TagSpecification(String resourceType, List<Tag> tags) {
    }

    public record RegisterImage(String name, String description, String architecture, String rootDeviceName,
            List<BlockDeviceMapping> blockDeviceMappings, String bootMode, String virtualizationType,
            Boolean enaSupport, String imdsSupport, List<TagSpecification> tagSpecifications, String clientToken) {
    }

    /** CreateImage: an image of one of the caller's instances (its root volume as it is now). */
    public record CreateImage(String instanceId, String name, String description, Boolean noReboot,
            List<BlockDeviceMapping> blockDeviceMappings, List<TagSpecification> tagSpecifications,
            String clientToken) {
    }

    public record CopyImage(String sourceRegion, String sourceImageId, String name, String description,
            Boolean copyImageTags, String clientToken) {
    }

    /** One launch permission: an account ({@code UserId}) or the group {@code all} (public). */
    public record LaunchPermission(String userId, String group) {
    }

    public record LaunchPermissionModifications(List<LaunchPermission> add, List<LaunchPermission> remove) {
    }

    public record AttributeValue(String value) {
    }

    public record ModifyImageAttribute(LaunchPermissionModifications launchPermission, AttributeValue description,
            String clientToken) {
    }

    public record CreateTags(List<Tag> tags, String clientToken) {
    }

    /** A tag to delete: by key, or by key and value (deleted only when the value matches). */
    public record DeleteTags(List<Tag> tags, String clientToken) {
    }

    public record EnableDeprecation(Instant deprecateAt, String clientToken) {
    }

    public record EnableDeregistrationProtection(Boolean withCooldown, String clientToken) {
    }
}
