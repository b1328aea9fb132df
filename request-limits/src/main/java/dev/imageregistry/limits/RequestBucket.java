package dev.imageregistry.limits;

/**
 * A token bucket: it holds up to {@code capacity} requests and refills at {@code refillPerSecond}; a request takes one
 * token or is refused. EC2 throttles each account this way, per class of action.
 */
final class RequestBucket {
    private final double capacity;
    private final double refillPerNano;
    private double tokens;
    private long refilledAt;
    private long usedAt;

    RequestBucket(Rate rate, long nowNanos) {
        this.capacity = rate.bucket();
        this.refillPerNano = rate.perSecond() / 1e9;
        this.tokens = capacity;
        this.refilledAt = nowNanos;
        this.usedAt = nowNanos;
    }

    synchronized boolean take(long nowNanos) {
        tokens = Math.min(capacity, tokens + (nowNanos - refilledAt) * refillPerNano);
        refilledAt = nowNanos;
        usedAt = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Full again (and so no different from a new bucket) since {@code nowNanos}. */
    synchronized boolean isIdleSince(long nowNanos) {
        return tokens + (nowNanos - refilledAt) * refillPerNano >= capacity && usedAt < nowNanos;
    }
}
