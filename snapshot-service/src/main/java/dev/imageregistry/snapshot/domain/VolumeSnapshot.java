package dev.imageregistry.snapshot.domain;

import java.util.List;

import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;

/**
 * A volume's block map at one moment, every part of VolumeSnapshotTaken received (or one part saying the volume
 * could not be snapshotted: {@code failure}): the new snapshot's ID, owner and tags (CreateSnapshot's
 * TagSpecifications), the volume, the snapshot the volume was created from, and the blocks the volume wrote since, in
 * index order.
 */
public record VolumeSnapshot(String snapshotId, String ownerId, String instanceId, String volumeId, String imageId,
        String baseSnapshotId, int volumeSize, String description, List<Tag> tags, StateReason failure,
        List<MappedBlock> writtenBlocks) {

    public VolumeSnapshot {
        tags = tags == null ? List.of() : List.copyOf(tags);
        writtenBlocks = List.copyOf(writtenBlocks);
    }

    /** Why the written blocks cannot be laid over a map (null when they can). */
    public String problem() {
        long capacity = BlockIndex.capacity(volumeSize);
        int previous = -1;
        for (MappedBlock block : writtenBlocks) {
            if (block == null || block.index() <= previous || block.index() >= capacity
                    || BlockChecksum.fromBase64(block.checksum()) == null) {
                return "The written blocks of " + volumeId + " are not distinct blocks inside the volume ("
                        + volumeSize + " GiB), in index order.";
            }
            previous = block.index();
        }
        return null;
    }

    /** As EC2 describes the snapshot of an image's root volume when the caller gave no description. */
    public String describedAs() {
        String text = description;
        if (text == null && imageId != null) {
            text = "Created by CreateImage(" + instanceId + ") for " + imageId + " from " + volumeId;
        }
        return text != null && text.length() > 255 ? text.substring(0, 255) : text;
    }
}
