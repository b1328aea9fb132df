package dev.imageregistry.replicator.domain;

/**
 * What a copy brings into this Region: an image (with every snapshot behind it, and the image's attributes) or one
 * snapshot. Both move their blocks the same way; they differ in who may copy the source, and in what they publish.
 */
public sealed interface CopyOf {

    /** The source image's or snapshot's ID in the source Region. */
    String sourceId();

    /** CopyImage: a new image, its snapshots new too. */
    record Image(String sourceImageId, String name, boolean copyImageTags) implements CopyOf {
        @Override
        public String sourceId() {
            return sourceImageId;
        }
    }

    /** CopySnapshot: the one snapshot the request made pending here. */
    record Snapshot(String sourceSnapshotId) implements CopyOf {
        @Override
        public String sourceId() {
            return sourceSnapshotId;
        }
    }
}
