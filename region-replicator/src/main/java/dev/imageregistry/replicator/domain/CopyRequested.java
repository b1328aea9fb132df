package dev.imageregistry.replicator.domain;

import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventType;

/**
 * The registry's ImageCopyRequested, as the replicator reads it from this Region's image-events: the fields a copy
 * needs (a tolerant reader, the rest is ignored). It opens a copy's history; the registry, not the replicator,
 * stores it.
 */
@EventType("ImageCopyRequested")
public record CopyRequested(String imageId, String ownerId, String sourceRegion, String sourceImageId, String name,
        String description, boolean copyImageTags) implements DomainEvent {

    @Override
    public String aggregateId() {
        return imageId;
    }
}
