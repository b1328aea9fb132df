package dev.imageregistry.registry.image;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.imageregistry.registry.image.ImageEvent.BlockDeviceMapping;
import dev.imageregistry.registry.image.ImageEvent.Tag;

/**
 * The bodies of the image actions, named as EC2 names their parameters (PascalCase on the wire). Nothing here
 * carries an owner, a state or a visibility: those come from the token and the image's own events.
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

    /** The answer to a create: the new image's ID. */
    public record ImageIdResult(String imageId) {
    }

    /** EC2's {@code Return} answer of the actions that only succeed or fail. */
    public record Outcome(@JsonProperty("Return") boolean succeeded) {
        public static final Outcome TRUE = new Outcome(true);
    }

    /** A warning that does not stop the action, e.g. instances still running from a deregistered image. */
    public record Warning(String code, String message) {
    }

    /**
     * DeregisterImage's answer: EC2's {@code Return}, and (beyond EC2) a warning when instances launched from the
     * image have not terminated; they keep running, but nothing new can be launched from it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Deregistration(@JsonProperty("Return") boolean succeeded, Integer instancesInUse,
            List<Warning> warnings) {
    }
}
