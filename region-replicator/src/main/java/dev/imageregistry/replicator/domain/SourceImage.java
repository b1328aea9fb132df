package dev.imageregistry.replicator.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/** What the replicator knows of an image of a source Region. */
public record SourceImage(String region, String imageId, String ownerId, String state, boolean isPublic,
        Set<String> launchPermissions, JsonNode attributes) {

    /** EC2's rule: the owner, an account it is shared with, or anyone when public. */
    public boolean launchableBy(String account) {
        return ownerId.equals(account) || isPublic || launchPermissions.contains(account);
    }

    /** The snapshots behind the image's EBS block device mappings, in mapping order. */
    public List<String> snapshotIds() {
        List<String> ids = new ArrayList<>();
        for (JsonNode mapping : attributes.path("blockDeviceMappings")) {
            String snapshotId = mapping.path("ebs").path("snapshotId").asText(null);
            if (snapshotId != null && !ids.contains(snapshotId)) {
                ids.add(snapshotId);
            }
        }
        return ids;
    }
}
