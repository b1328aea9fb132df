package dev.imageregistry.snapshot.domain;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;

/** StartSnapshot's parameters, checked: a volume of 1 to 65536 GiB, the optional parent, description and tags, and the timeout. */
public record StartSnapshot(int volumeSize, String parentSnapshotId, String description, List<Tag> tags,
        int timeoutMinutes) {
    public static final int DEFAULT_TIMEOUT_MINUTES = 60;

    /** Refuses parameters EBS refuses; no tags is none, no timeout is 60 minutes. */
    public static StartSnapshot of(Integer volumeSize, String parentSnapshotId, String description, List<Tag> tags,
            Integer timeout) {
        if (volumeSize == null) {
            throw Ec2Exception.missingParameter("VolumeSize");
        }
        if (volumeSize < 1 || volumeSize > 65536) {
            throw Ec2Exception.invalidParameter("VolumeSize must be 1 to 65536 GiB.");
        }
        if (description != null && description.length() > 255) {
            throw Ec2Exception.invalidParameter("Description must be at most 255 characters.");
        }
        List<Tag> checked = tags == null ? List.of() : tags;
        if (checked.size() > 50) {
            throw Ec2Exception.invalidParameter("At most 50 tags.");
        }
        for (Tag tag : checked) {
            if (tag == null || tag.key() == null || tag.key().isEmpty() || tag.key().length() > 128
                    || tag.value() == null || tag.value().length() > 256 || tag.key().startsWith("aws:")) {
                throw Ec2Exception.invalidParameter("A tag needs a Key of 1 to 128 characters (not aws:) and a Value of at most 256.");
            }
        }
        int minutes = timeout == null ? DEFAULT_TIMEOUT_MINUTES : timeout;
        if (minutes < 1 || minutes > 4320) {
            throw Ec2Exception.invalidParameter("Timeout must be 1 to 4320 minutes.");
        }
        return new StartSnapshot(volumeSize, parentSnapshotId, description, checked, minutes);
    }

    /** When a snapshot started at {@code startTime} times out if it is still pending. */
    public Instant deadline(Instant startTime) {
        return startTime.plus(timeoutMinutes, ChronoUnit.MINUTES);
    }
}
