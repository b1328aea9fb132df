package dev.imageregistry.replicator.domain;

import java.time.Duration;
import java.util.List;

/** What a claimed copy does next ({@link CopyJob#nextStep}). */
public sealed interface CopyStep {

    /**
     * Everything is known and may be copied: bring the blocks of these snapshots. {@code image} is the source image
     * of a CopyImage, null for a CopySnapshot (one snapshot, no image).
     */
    record Copy(SourceImage image, List<SourceSnapshot> snapshots) implements CopyStep {
    }

    /** Not yet decidable: look again after {@code delay}; {@code reason} (or null) is what the progress shows. */
    record Wait(Duration delay, String reason) implements CopyStep {
    }

    /** The copy cannot succeed: it fails with EC2's {@code code}. */
    record Fail(String code, String message) implements CopyStep {
    }
}
