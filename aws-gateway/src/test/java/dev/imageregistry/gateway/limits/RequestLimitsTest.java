package dev.imageregistry.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.limits.AccountLimits;
import dev.imageregistry.limits.ActionClass;
import dev.imageregistry.limits.Rate;

/** An account over its limit gets EC2's refusal, by the action's class (the buckets: request-limits' own tests). */
class RequestLimitsTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final RequestLimits limits = new RequestLimits(new AccountLimits(Map.of(ActionClass.DESCRIBE, new Rate(10, 5),
            ActionClass.MUTATE, new Rate(2, 1), ActionClass.LAUNCH, new Rate(1, 0.5), ActionClass.BLOCKS,
            new Rate(1, 1)), Map.of(), now::get), null);

    @Test
    void aFloodIsRefusedAsEc2RefusesIt() {
        for (int i = 0; i < 10; i++) {
            limits.admit("111111111111", "DescribeImages");
        }
        AwsError refused = assertThrows(AwsError.class, () -> limits.admit("111111111111", "DescribeSnapshots"));
        assertEquals("RequestLimitExceeded", refused.code());
        assertEquals(503, refused.status());
        limits.admit("111111111111", "RegisterImage");
        limits.admit("111111111111", "RunInstances");
        assertThrows(AwsError.class, () -> limits.admit("111111111111", "RunInstances"));
    }
}
