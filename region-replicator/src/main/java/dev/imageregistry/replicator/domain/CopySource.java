package dev.imageregistry.replicator.domain;

import java.util.Optional;
import java.util.function.Function;

/**
 * What this Region knows of a copy's source when the copy is claimed: whether it copies from that Region at all,
 * the source image as projected from that Region's stream, its snapshots' block maps (looked up one by one, only
 * as far as they are needed), whether the stream was read to its end after the lookup timeout, and why it cannot be
 * read right now.
 */
public record CopySource(boolean regionKnown, Optional<SourceImage> image,
        Function<String, Optional<SourceSnapshot>> snapshots, boolean readToEndPastTimeout,
        Optional<String> streamTrouble) {
}
