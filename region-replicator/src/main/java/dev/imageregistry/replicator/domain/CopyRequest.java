package dev.imageregistry.replicator.domain;

import dev.imageregistry.platform.events.DomainEvent;

/**
 * The request a copy into this Region starts from, as another service of this Region published it: the registry's
 * ImageCopyRequested (CopyImage) or the snapshot-service's SnapshotCopyRequested (CopySnapshot). Either opens a copy
 * job keyed by the ID of what the copy makes here; the replicator reads it, it does not store it.
 */
public sealed interface CopyRequest extends DomainEvent permits ImageCopyRequested, SnapshotCopyRequested {

    /** The new image's or snapshot's ID in this Region (pending until the copy ends): the copy's key. */
    String copyId();

    String ownerId();

    String sourceRegion();

    /** What was asked for the copy's description, or null. */
    String description();

    CopyOf of();

    @Override
    default String aggregateId() {
        return copyId();
    }
}
