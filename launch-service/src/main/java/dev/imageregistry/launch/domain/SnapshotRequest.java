package dev.imageregistry.launch.domain;

import java.util.ArrayList;
import java.util.List;

import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.tags.TagRules;

/**
 * A new snapshot of an instance's root volume, as it was asked for: by the registry for an image (CreateImage,
 * through ImageCreationRequested) or by the owner of the volume (CreateSnapshot). The snapshot ID is chosen by
 * whoever asked, so that a repeated request names the same snapshot and takes nothing twice.
 *
 * @param imageId the image the snapshot is for; null for CreateSnapshot
 * @param expectedSize the size (GiB) the requester expects, told back when nothing could be taken (it must not
 *        learn the size of a volume that is not its own); null when a refusal answers instead
 */
public record SnapshotRequest(String snapshotId, String requesterId, String volumeId, String imageId,
        Integer expectedSize, String description, List<Tag> tags) {
    /** EC2's limit on a snapshot's description. */
    public static final int MAX_DESCRIPTION = 255;

    public SnapshotRequest {
        tags = tags == null || tags.isEmpty() ? null : List.copyOf(tags);
    }

    /** CreateSnapshot's body, in the AWS CLI's JSON shape, as the caller sent it. */
    public record CreateSnapshot(String description, List<TagSpecification> tagSpecifications) {
    }

    public record TagSpecification(String resourceType, List<Tag> tags) implements TagRules.Specification {
    }

    /**
     * CreateSnapshot of {@code volumeId} by {@code account} once EC2's rules for its parameters hold: a description
     * of at most 255 characters, tags only for ResourceType snapshot (keys and values as CreateTags', at most 50).
     */
    public static SnapshotRequest ofVolume(String account, String volumeId, String snapshotId, CreateSnapshot body) {
        String description = body == null ? null : body.description();
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw Ec2Exception.invalidParameter("The description may be at most " + MAX_DESCRIPTION + " characters.");
        }
        List<Tag> checked = new ArrayList<>();
        TagRules.specified(body == null ? null : body.tagSpecifications(), "snapshot")
                .forEach((key, value) -> checked.add(new Tag(key, value)));
        return new SnapshotRequest(snapshotId, account, volumeId, null, null, description, checked);
    }
}
