package dev.imageregistry.replicator.domain;

import java.util.Optional;
import java.util.function.Function;

/**
 * What this Region knows of a copy's source when the copy is claimed: whether it copies from that Region at all,
 * its images and snapshots (full block maps) as projected from that Region's stream, looked up by ID only as far as
 * the copy needs them, whether the stream was read to its end after the lookup timeout, and why it cannot be read
 * right now.
 */
public record CopySource(boolean regionKnown, Function<String, Optional<SourceImage>> images,
        Function<String, Optional<SourceSnapshot>> snapshots, boolean readToEndPastTimeout,
        Optional<String> streamTrouble) {
}
