package dev.imageregistry.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The buckets, on a clock of the test's own: a flood is refused, others are not, time refills, overrides apply. */
class AccountLimitsTest {
    static final String A = "111111111111";
    static final String B = "222222222222";
    static final String TRUSTED = "333333333333";

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final AccountLimits limits = new AccountLimits(
            Map.of(ActionClass.DESCRIBE, new Rate(10, 5), ActionClass.MUTATE, new Rate(2, 1), ActionClass.LAUNCH,
                    new Rate(1, 0.5), ActionClass.BLOCKS, new Rate(1, 1)),
            Map.of(TRUSTED, Map.of(ActionClass.DESCRIBE, new Rate(0, 0), ActionClass.MUTATE, new Rate(5, 1),
                    ActionClass.LAUNCH, new Rate(1, 0.5), ActionClass.BLOCKS, new Rate(1, 1))),
            now::get);

    @Test
    void aBurstUpToTheBucketPassesThenTheAccountIsThrottled() {
        for (int i = 0; i < 10; i++) {
            assertTrue(limits.admit(A, ActionClass.DESCRIBE));
        }
        assertFalse(limits.admit(A, ActionClass.DESCRIBE));
    }

    @Test
    void anotherAccountAndAnotherClassAreNotHeldBack() {
        for (int i = 0; i < 11; i++) {
            limits.admit(A, ActionClass.DESCRIBE);
        }
        assertTrue(limits.admit(B, ActionClass.DESCRIBE));
        assertTrue(limits.admit(A, ActionClass.MUTATE));
        assertTrue(limits.admit(A, ActionClass.LAUNCH));
    }

    @Test
    void theBucketRefillsAtItsRate() {
        assertTrue(limits.admit(A, ActionClass.MUTATE));
        assertTrue(limits.admit(A, ActionClass.MUTATE));
        assertFalse(limits.admit(A, ActionClass.MUTATE));
        now.addAndGet(999_000_000L);
        assertFalse(limits.admit(A, ActionClass.MUTATE), "not yet a whole token");
        now.addAndGet(2_000_000L);
        assertTrue(limits.admit(A, ActionClass.MUTATE));
        assertFalse(limits.admit(A, ActionClass.MUTATE));
    }

    @Test
    void anAccountsOwnRatesReplaceTheDefaults() {
        for (int i = 0; i < 1_000; i++) {
            assertTrue(limits.admit(TRUSTED, ActionClass.DESCRIBE), "no limit for this account's describes");
        }
        for (int i = 0; i < 5; i++) {
            assertTrue(limits.admit(TRUSTED, ActionClass.MUTATE));
        }
        assertFalse(limits.admit(TRUSTED, ActionClass.MUTATE));
    }

    @Test
    void idleAccountsAreForgotten() {
        limits.admit(A, ActionClass.DESCRIBE);
        limits.admit(B, ActionClass.DESCRIBE);
        assertEquals(2, limits.bucketCount());
        now.addAndGet(601_000_000_000L);
        limits.admit("444444444444", ActionClass.DESCRIBE);
        assertEquals(1, limits.bucketCount());
    }

    @Test
    void actionsFallInEc2sClasses() {
        assertEquals(ActionClass.DESCRIBE, ActionClass.ofAction("DescribeImageAttribute"));
        assertEquals(ActionClass.DESCRIBE, ActionClass.ofAction("GetCallerIdentity"));
        assertEquals(ActionClass.LAUNCH, ActionClass.ofAction("RunInstances"));
        assertEquals(ActionClass.MUTATE, ActionClass.ofAction("CopyImage"));
        assertEquals(ActionClass.BLOCKS, ActionClass.ofAction("PutSnapshotBlock"));
    }

    @Test
    void configurationGivesDefaultsAndAccountsTheirOwnRates() {
        Map<String, String> config = Map.of(
                "x.limits.describe.bucket", "7",
                "x.limits.accounts.\"333333333333\".mutate.per-second", "0",
                "x.limits.accounts.444444444444.describe.bucket", "3");
        AccountLimits configured = AccountLimits.configured("x.limits", config.keySet(),
                name -> Optional.ofNullable(config.get(name)),
                Map.of(ActionClass.DESCRIBE, new Rate(1, 1), ActionClass.MUTATE, new Rate(2, 2), ActionClass.LAUNCH,
                        new Rate(3, 3), ActionClass.BLOCKS, new Rate(4, 4)));
        assertEquals(new Rate(7, 1), configured.rateOf(A, ActionClass.DESCRIBE));
        assertEquals(new Rate(2, 2), configured.rateOf(A, ActionClass.MUTATE));
        assertTrue(configured.rateOf(TRUSTED, ActionClass.MUTATE).unlimited());
        assertEquals(new Rate(7, 1), configured.rateOf(TRUSTED, ActionClass.DESCRIBE), "the rest as for everyone");
        assertEquals(new Rate(3, 1), configured.rateOf("444444444444", ActionClass.DESCRIBE));
    }
}
