package dev.imageregistry.snapshot.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.tags.TagRules;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;

/**
 * CopySnapshot's parameters, checked as EC2 checks them before anything is read or written: a source Region and
 * snapshot, a description of at most 255 characters, and tags only for ResourceType snapshot (CreateTags' rules, at
 * most 50). Whether the source exists and is the caller's is the region-replicator's to find out (it reads the
 * source Region); a source of the older 8-digit shape is not found at once, as no Region of this registry has one.
 */
public record CopySnapshot(String sourceRegion, String sourceSnapshotId, String description, List<Tag> tags) {
    public static final int MAX_DESCRIPTION = 255;
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]");

    public CopySnapshot {
        tags = List.copyOf(tags);
    }

    /** One of TagSpecifications, in the AWS CLI's JSON shape. */
    public record TagSpecification(String resourceType, List<Tag> tags) implements TagRules.Specification {
    }

    public static CopySnapshot of(String sourceRegion, String sourceSnapshotId, String description,
            List<TagSpecification> tagSpecifications) {
        if (sourceRegion == null || sourceRegion.isEmpty()) {
            throw Ec2Exception.missingParameter("SourceRegion");
        }
        if (!REGION.matcher(sourceRegion).matches()) {
            throw Ec2Exception.invalidParameter("Invalid region: " + shown(sourceRegion));
        }
        if (sourceSnapshotId == null || sourceSnapshotId.isEmpty()) {
            throw Ec2Exception.missingParameter("SourceSnapshotId");
        }
        Ec2Exception.requireWellFormed(ResourceKind.SNAPSHOT, sourceSnapshotId);
        if (!ResourceKind.SNAPSHOT.isIssued(sourceSnapshotId)) {
            throw Snapshot.notFound(sourceSnapshotId);
        }
        if (description != null && description.codePointCount(0, description.length()) > MAX_DESCRIPTION) {
            throw Ec2Exception.invalidParameter("The description may be at most " + MAX_DESCRIPTION + " characters.");
        }
        return new CopySnapshot(sourceRegion, sourceSnapshotId, description, tags(tagSpecifications));
    }

    /** The snapshot's tags of TagSpecifications (TagRules' reading, one for every action that creates a snapshot). */
    private static List<Tag> tags(List<TagSpecification> specifications) {
        List<Tag> tags = new ArrayList<>();
        TagRules.specified(specifications, "snapshot").forEach((key, value) -> tags.add(new Tag(key, value)));
        return tags;
    }

    private static String shown(String value) {
        return value.length() > 64 ? value.substring(0, 64) + "..." : value;
    }
}
