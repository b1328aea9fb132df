package dev.imageregistry.replicator.regions;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * How far this replica has read each source Region's stream, as the source feed notes it and the copies consult
 * it: "the image does not exist" is concluded from a stream that was read to its end, never from one that could
 * not be read.
 */
@ApplicationScoped
public class SourceStreams {
    /** Per Region: the latest instant before which every event of its stream (this replica's partitions) was applied. */
    private final Map<String, Instant> readToEnd = new ConcurrentHashMap<>();
    /** Per Region: why its stream cannot be read right now, while that lasts. */
    private final Map<String, String> trouble = new ConcurrentHashMap<>();

    /** Everything {@code region} had published when the feed asked its brokers, at {@code asked}, is applied. */
    public void readToEnd(String region, Instant asked) {
        readToEnd.put(region, asked);
    }

    /** The stream cannot be read; returns whether that is news (it could be read until now). */
    public boolean troubled(String region, String why) {
        return trouble.put(region, why) == null;
    }

    public void readable(String region) {
        trouble.remove(region);
    }

    /**
     * Whether {@code region}'s stream was read to its end at some moment after {@code instant}: everything its
     * Region had published by then is in the catalogue.
     */
    public boolean readToEndAfter(String region, Instant instant) {
        Instant last = readToEnd.get(region);
        return last != null && last.isAfter(instant);
    }

    /** Why {@code region}'s stream cannot be read at the moment (refused or unreachable), if it cannot. */
    public Optional<String> trouble(String region) {
        return Optional.ofNullable(trouble.get(region));
    }
}
