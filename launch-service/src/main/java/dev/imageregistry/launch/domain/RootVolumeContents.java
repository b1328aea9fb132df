package dev.imageregistry.launch.domain;

import java.util.List;

import dev.imageregistry.launch.domain.InstanceEvent.WrittenBlock;

/**
 * A root volume as the volume table holds it when a snapshot is taken: whether it has been created (the worker
 * makes it as the instance leaves pending), is there, or was deleted with its instance; and the blocks it wrote
 * since it was created, in index order (every other block is its base snapshot's).
 */
public record RootVolumeContents(Status status, List<WrittenBlock> writtenBlocks) {
    public enum Status {
        CREATING, PRESENT, DELETED
    }

    public RootVolumeContents {
        writtenBlocks = List.copyOf(writtenBlocks);
    }

    public static RootVolumeContents creating() {
        return new RootVolumeContents(Status.CREATING, List.of());
    }

    public static RootVolumeContents deleted() {
        return new RootVolumeContents(Status.DELETED, List.of());
    }

    public static RootVolumeContents present(List<WrittenBlock> writtenBlocks) {
        return new RootVolumeContents(Status.PRESENT, writtenBlocks);
    }
}
