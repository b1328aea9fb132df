package dev.imageregistry.gateway.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.imageregistry.gateway.wire.AwsError;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Per-account request limits, as EC2's: a token bucket per account and class of action (describing, changing,
 * launching), so one account flooding a Region cannot starve the others. A refused request is EC2's
 * {@code 503 RequestLimitExceeded}, which the SDKs retry with backoff. Each replica keeps its own buckets, so a
 * Region with n gateway replicas admits up to n times the configured rates.
 */
@ApplicationScoped
public class RequestLimits {
    /** EC2's classes of actions, each with a bucket of its own. */
    public enum ActionClass {
        DESCRIBE, MUTATE, LAUNCH;

        public static ActionClass of(String action) {
            if (action.startsWith("Describe") || action.startsWith("Get") || action.startsWith("List")) {
                return DESCRIBE;
            }
            return action.equals("RunInstances") ? LAUNCH : MUTATE;
        }
    }

    public record Rate(double capacity, double refillPerSecond) {
    }

    private static final long FORGET_AFTER_NANOS = 600_000_000_000L;

    private final Map<ActionClass, Rate> rates;
    private final LongSupplier clock;
    private final MeterRegistry metrics;
    private final Map<String, RequestBucket> buckets = new ConcurrentHashMap<>();
    private volatile long sweptAt;

    @Inject
    public RequestLimits(MeterRegistry metrics,
            @ConfigProperty(name = "gateway.limits.describe.bucket", defaultValue = "200") double describeBucket,
            @ConfigProperty(name = "gateway.limits.describe.per-second", defaultValue = "100") double describeRate,
            @ConfigProperty(name = "gateway.limits.mutate.bucket", defaultValue = "100") double mutateBucket,
            @ConfigProperty(name = "gateway.limits.mutate.per-second", defaultValue = "20") double mutateRate,
            @ConfigProperty(name = "gateway.limits.launch.bucket", defaultValue = "50") double launchBucket,
            @ConfigProperty(name = "gateway.limits.launch.per-second", defaultValue = "5") double launchRate) {
        this(Map.of(ActionClass.DESCRIBE, new Rate(describeBucket, describeRate), ActionClass.MUTATE,
                new Rate(mutateBucket, mutateRate), ActionClass.LAUNCH, new Rate(launchBucket, launchRate)),
                System::nanoTime, metrics);
    }

    RequestLimits(Map<ActionClass, Rate> rates, LongSupplier clock, MeterRegistry metrics) {
        this.rates = rates;
        this.clock = clock;
        this.metrics = metrics;
        this.sweptAt = clock.getAsLong();
    }

    /** Takes one request of the account's bucket for the action, or refuses it as EC2 does. */
    public void admit(String account, String action) {
        ActionClass actionClass = ActionClass.of(action);
        Rate rate = rates.get(actionClass);
        if (rate.refillPerSecond() <= 0) {
            return;
        }
        long now = clock.getAsLong();
        RequestBucket bucket = buckets.computeIfAbsent(account + '/' + actionClass,
                k -> new RequestBucket(rate.capacity(), rate.refillPerSecond(), now));
        if (!bucket.take(now)) {
            if (metrics != null) {
                metrics.counter("imageregistry_gateway_throttled_total", "class", actionClass.name().toLowerCase())
                        .increment();
            }
            throw new AwsError(503, "RequestLimitExceeded", "Request limit exceeded.");
        }
        if (now - sweptAt > FORGET_AFTER_NANOS) {
            sweptAt = now;
            // A full bucket is the same as none: forgetting it bounds the memory to the accounts active lately.
            buckets.values().removeIf(b -> b.isIdleSince(now));
        }
    }

    int bucketCount() {
        return buckets.size();
    }
}
