package dev.imageregistry.replicator.domain;

import dev.imageregistry.platform.events.EventType;

/**
 * The registry's ImageCopyRequested, as the replicator reads it from this Region's image-events: the fields a copy
 * needs (a tolerant reader, the rest is ignored).
 */
@EventType("ImageCopyRequested")
public record ImageCopyRequested(String imageId, String ownerId, String sourceRegion, String sourceImageId,
        String name, String description, boolean copyImageTags) implements CopyRequest {

    @Override
    public String copyId() {
        return imageId;
    }

    @Override
    public CopyOf of() {
        return new CopyOf.Image(sourceImageId, name, copyImageTags);
    }
}
