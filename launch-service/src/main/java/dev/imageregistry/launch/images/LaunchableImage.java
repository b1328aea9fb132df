package dev.imageregistry.launch.images;

import java.time.Instant;

/** What the launch-service knows of one image: enough to decide a launch and build its root volume. */
public record LaunchableImage(String imageId, String ownerId, String state, boolean disabled, boolean isPublic,
        String rootDeviceName, String rootSnapshotId, Integer rootVolumeSize, boolean deleteOnTermination,
        Instant deprecationTime, long version) {

    public static final String AVAILABLE = "available";
    public static final String DEREGISTERED = "deregistered";

    public boolean launchable() {
        return AVAILABLE.equals(state) && !disabled && rootSnapshotId != null;
    }
}
