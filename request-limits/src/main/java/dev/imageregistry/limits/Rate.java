package dev.imageregistry.limits;

/**
 * A bucket of {@code bucket} requests refilled at {@code perSecond}. A rate of zero or less is no limit (an
 * operator's way to exempt an account or a class).
 */
public record Rate(double bucket, double perSecond) {
    public boolean unlimited() {
        return perSecond <= 0;
    }
}
