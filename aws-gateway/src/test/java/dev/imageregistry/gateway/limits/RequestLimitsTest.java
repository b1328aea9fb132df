package dev.imageregistry.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.imageregistry.gateway.limits.RequestLimits.ActionClass;
import dev.imageregistry.gateway.limits.RequestLimits.Rate;
import dev.imageregistry.gateway.wire.AwsError;

/** The buckets, on a clock of the test's own: a flood is refused, others are not, and time refills. */
class RequestLimitsTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final RequestLimits limits = new RequestLimits(Map.of(ActionClass.DESCRIBE, new Rate(10, 5), ActionClass.MUTATE,
            new Rate(2, 1), ActionClass.LAUNCH, new Rate(1, 0.5)), now::get, null);

    @Test
    void aBurstUpToTheBucketPassesThenTheAccountIsThrottled() {
        for (int i = 0; i < 10; i++) {
            limits.admit("111111111111", "DescribeImages");
        }
        AwsError refused = assertThrows(AwsError.class, () -> limits.admit("111111111111", "DescribeSnapshots"));
        assertEquals("RequestLimitExceeded", refused.code());
        assertEquals(503, refused.status());
    }

    @Test
    void anotherAccountAndAnotherClassAreNotHeldBack() {
        for (int i = 0; i < 10; i++) {
            limits.admit("111111111111", "DescribeImages");
        }
        limits.admit("222222222222", "DescribeImages");
        limits.admit("111111111111", "RegisterImage");
        limits.admit("111111111111", "RunInstances");
    }

    @Test
    void theBucketRefillsAtItsRate() {
        limits.admit("111111111111", "CreateTags");
        limits.admit("111111111111", "DeleteTags");
        assertThrows(AwsError.class, () -> limits.admit("111111111111", "CreateTags"));
        now.addAndGet(999_000_000L);
        assertThrows(AwsError.class, () -> limits.admit("111111111111", "CreateTags"), "not yet a whole token");
        now.addAndGet(2_000_000L);
        limits.admit("111111111111", "CreateTags");
        assertThrows(AwsError.class, () -> limits.admit("111111111111", "CreateTags"));
    }

    @Test
    void idleAccountsAreForgotten() {
        limits.admit("111111111111", "DescribeImages");
        limits.admit("222222222222", "DescribeImages");
        assertEquals(2, limits.bucketCount());
        now.addAndGet(601_000_000_000L);
        limits.admit("333333333333", "DescribeImages");
        assertEquals(1, limits.bucketCount());
    }

    @Test
    void actionsFallInEc2sClasses() {
        assertEquals(ActionClass.DESCRIBE, ActionClass.of("DescribeImageAttribute"));
        assertEquals(ActionClass.DESCRIBE, ActionClass.of("GetCallerIdentity"));
        assertEquals(ActionClass.LAUNCH, ActionClass.of("RunInstances"));
        assertEquals(ActionClass.MUTATE, ActionClass.of("CopyImage"));
    }
}
