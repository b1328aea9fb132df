package dev.imageregistry.registry.domain;

import java.util.List;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.registry.domain.ImageEvent.BlockDeviceMapping;
import dev.imageregistry.registry.domain.ImageEvent.StateReason;
import dev.imageregistry.registry.domain.ImageEvent.Tag;

/**
 * What the registry reads of the region-replicator's events on copy-events (a tolerant reader: unknown fields are
 * ignored), for the decisions they lead to on pending copies.
 */
public final class ReplicatorEvents {
    private ReplicatorEvents() {
    }

    /** ImageCopyAssigned: a copy asked for in another Region's replicator for several destinations at once. */
    public record CopyAssignment(String imageId, String ownerId, String sourceRegion, String sourceImageId,
            String name, String description, Boolean copyImageTags, String dispatchedFrom) {

        /** Whether it names what a copy needs: an image ID as this system issues them, an account, a source. */
        public boolean isComplete() {
            return ResourceKind.IMAGE.isIssued(imageId) && ownerId != null
                    && ImageParameters.ACCOUNT.matcher(ownerId).matches() && sourceRegion != null
                    && ImageParameters.REGION.matcher(sourceRegion).matches() && sourceImageId != null;
        }
    }

    /** ImageCopied: the copy's snapshots exist in this Region, and what the source image was made of. */
    public record CopyResult(String imageId, List<CopiedSnapshot> snapshots, String architecture,
            String rootDeviceName, List<BlockDeviceMapping> blockDeviceMappings, String bootMode,
            String virtualizationType, Boolean enaSupport, String imdsSupport, List<Tag> tags) {
    }

    public record CopiedSnapshot(String sourceSnapshotId, String snapshotId) {
    }

    /** ImageCopyFailed. */
    public record CopyFailure(String imageId, StateReason stateReason) {

        /** The replicator's reason, or a general one when it gave none. */
        public StateReason reason() {
            return stateReason != null ? stateReason : new StateReason("Client.CopyFailed", "The copy failed.");
        }
    }
}
