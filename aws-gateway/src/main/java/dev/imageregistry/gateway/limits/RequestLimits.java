package dev.imageregistry.gateway.limits;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;

import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.limits.AccountLimits;
import dev.imageregistry.limits.ActionClass;
import dev.imageregistry.limits.Rate;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The AWS endpoint's per-account request limits ({@code gateway.limits.*}, the buckets of {@link AccountLimits}): a
 * request over its account's limit for its class of action is EC2's {@code 503 RequestLimitExceeded}, which the
 * SDKs and the aws CLI retry with backoff.
 */
@ApplicationScoped
public class RequestLimits {
    static final Map<ActionClass, Rate> DEFAULTS = Map.of(ActionClass.DESCRIBE, new Rate(200, 100),
            ActionClass.MUTATE, new Rate(100, 20), ActionClass.LAUNCH, new Rate(50, 5), ActionClass.BLOCKS,
            new Rate(2000, 1000));

    private final AccountLimits limits;
    private final MeterRegistry metrics;

    @Inject
    public RequestLimits(MeterRegistry metrics, Config config) {
        this(AccountLimits.configured("gateway.limits", config.getPropertyNames(),
                name -> config.getOptionalValue(name, String.class), DEFAULTS), metrics);
    }

    RequestLimits(AccountLimits limits, MeterRegistry metrics) {
        this.limits = limits;
        this.metrics = metrics;
    }

    /** Takes one request of the account's bucket for the action, or refuses it as EC2 does. */
    public void admit(String account, String action) {
        if (!admits(account, action)) {
            throw new AwsError(503, "RequestLimitExceeded", "Request limit exceeded.");
        }
    }

    /**
     * Takes one request of the account's bucket for the action (EBS direct's block calls have a class of their own,
     * {@link ActionClass#BLOCKS}); false, and counted, when the bucket is empty: the caller refuses in its API's shape.
     */
    public boolean admits(String account, String action) {
        ActionClass actionClass = ActionClass.ofAction(action);
        if (limits.admit(account, actionClass)) {
            return true;
        }
        if (metrics != null) {
            metrics.counter("imageregistry_gateway_throttled_total", "class", actionClass.key()).increment();
        }
        return false;
    }
}
