package dev.imageregistry.replicator.domain;

import java.time.Instant;

import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventType;

/**
 * The copy-events of a copy to several Regions, keyed by the new image ID of one destination. The requesting
 * Region's replicator publishes one ImageCopyDispatched per destination; the destination's replicator answers with
 * ImageCopyAssigned on its own copy-events, which that Region's registry turns into its usual pending copy.
 */
public sealed interface FanOutEvent extends DomainEvent {

    String imageId();

    @Override
    default String aggregateId() {
        return imageId();
    }

    @EventType("ImageCopyDispatched")
    record ImageCopyDispatched(String imageId, String ownerId, String destinationRegion, String sourceRegion,
            String sourceImageId, String name, String description, boolean copyImageTags, Instant requestedAt)
            implements FanOutEvent {
    }

    @EventType("ImageCopyAssigned")
    record ImageCopyAssigned(String imageId, String ownerId, String destinationRegion, String sourceRegion,
            String sourceImageId, String name, String description, boolean copyImageTags, Instant requestedAt,
            String dispatchedFrom) implements FanOutEvent {

        public static ImageCopyAssigned of(ImageCopyDispatched dispatched, String dispatchedFrom) {
            return new ImageCopyAssigned(dispatched.imageId(), dispatched.ownerId(), dispatched.destinationRegion(),
                    dispatched.sourceRegion(), dispatched.sourceImageId(), dispatched.name(), dispatched.description(),
                    dispatched.copyImageTags(), dispatched.requestedAt(), dispatchedFrom);
        }
    }
}
