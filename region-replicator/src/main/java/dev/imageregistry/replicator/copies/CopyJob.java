package dev.imageregistry.replicator.copies;

import java.time.Instant;

/**
 * A copy asked for in this Region, as persisted: its progress survives a restart of the replicator.
 * {@code traceparent} is the trace of the request it came from (null if there was none).
 */
public record CopyJob(String imageId, String ownerId, String sourceRegion, String sourceImageId, String name,
        String description, boolean copyImageTags, Instant requestedAt, String state, String stateReason,
        Integer blocksTotal, int blocksDone, int blocksSkipped, long bytesMoved, int attempts, long version,
        String traceparent) {

    public int percent() {
        if (blocksTotal == null || blocksTotal == 0) {
            return "completed".equals(state) ? 100 : 0;
        }
        return (int) Math.min(100, (100L * blocksDone) / blocksTotal);
    }
}
