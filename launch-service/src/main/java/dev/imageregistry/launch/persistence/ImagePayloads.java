package dev.imageregistry.launch.persistence;

import java.time.Instant;
import java.util.List;

/**
 * This service's tolerant view of the registry's and snapshot-service's payloads (docs/events): only the
 * fields a launch decision needs; anything else in the payload is ignored.
 */
final class ImagePayloads {
    private ImagePayloads() {
    }

    record Ebs(String snapshotId, Integer volumeSize, Boolean deleteOnTermination) {
    }

    record BlockDeviceMapping(String deviceName, Ebs ebs) {
    }

    /** ImageRegistered, ImageCopyRequested and ImageAvailable all fit this view (absent fields stay null). */
    record ImageAttributes(String imageId, String ownerId, String rootDeviceName,
            List<BlockDeviceMapping> blockDeviceMappings) {

        /** The mapping of the root device, or of the first EBS device when the root device is not mapped. */
        BlockDeviceMapping rootMapping() {
            if (blockDeviceMappings == null) {
                return null;
            }
            BlockDeviceMapping firstEbs = null;
            for (BlockDeviceMapping mapping : blockDeviceMappings) {
                if (mapping.ebs() == null || mapping.ebs().snapshotId() == null) {
                    continue;
                }
                if (mapping.deviceName() != null && mapping.deviceName().equals(rootDeviceName)) {
                    return mapping;
                }
                if (firstEbs == null) {
                    firstEbs = mapping;
                }
            }
            return firstEbs;
        }
    }

    record LaunchPermissionChange(String imageId, List<String> userIds, List<String> groups) {
        boolean touchesPublic() {
            return groups != null && groups.contains("all");
        }

        List<String> accounts() {
            return userIds == null ? List.of() : userIds;
        }
    }

    record Deprecation(String imageId, Instant deprecationTime) {
    }

    record SnapshotCompleted(String snapshotId, Long blockCount, Integer volumeSize) {
    }

    record SnapshotDeleted(String snapshotId) {
    }
}
