package dev.imageregistry.limits;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Per-account request limits, as EC2's: a token bucket per account and class of action, so one account flooding a
 * Region cannot starve the others. Each process keeps its own buckets (a Region with n replicas admits up to n times
 * the rates). An operator may give an account rates of its own ({@code <prefix>.accounts.<account>.<class>.*}), as
 * AWS raises an account's limits on request.
 */
public final class AccountLimits {
    private static final long FORGET_AFTER_NANOS = 600_000_000_000L;

    private final Map<ActionClass, Rate> rates;
    private final Map<String, Map<ActionClass, Rate>> accounts;
    private final LongSupplier clock;
    private final Map<String, RequestBucket> buckets = new ConcurrentHashMap<>();
    private volatile long sweptAt;

    public AccountLimits(Map<ActionClass, Rate> rates, Map<String, Map<ActionClass, Rate>> accounts, LongSupplier clock) {
        this.rates = new EnumMap<>(rates);
        this.accounts = Map.copyOf(accounts);
        this.clock = clock;
        this.sweptAt = clock.getAsLong();
    }

    /**
     * The limits configured under {@code prefix}: {@code <prefix>.<class>.bucket} and {@code .per-second} for every
     * account, {@code <prefix>.accounts.<account>.<class>.bucket} and {@code .per-second} for one; a value not
     * given is the default's.
     */
    public static AccountLimits configured(String prefix, Iterable<String> propertyNames,
            Function<String, Optional<String>> property, Map<ActionClass, Rate> defaults) {
        Map<ActionClass, Rate> rates = new EnumMap<>(ActionClass.class);
        for (ActionClass actionClass : ActionClass.values()) {
            rates.put(actionClass, rate(prefix + "." + actionClass.key(), property, defaults.get(actionClass)));
        }
        Map<String, Map<ActionClass, Rate>> accounts = new TreeMap<>();
        String accountsPrefix = prefix + ".accounts.";
        for (String listed : propertyNames) {
            // A profile's names (%test.…) are listed too; what they set is read through the active profile below.
            String name = listed.startsWith("%") && listed.indexOf('.') > 0 ? listed.substring(listed.indexOf('.') + 1) : listed;
            if (!name.startsWith(accountsPrefix)) {
                continue;
            }
            // The account as written (an operator may quote it, as a key of digits in YAML or env form) for lookups.
            String written = name.substring(accountsPrefix.length()).split("\\.", 2)[0];
            String account = written.replace("\"", "");
            if (accounts.containsKey(account)) {
                continue;
            }
            Map<ActionClass, Rate> own = new EnumMap<>(ActionClass.class);
            for (ActionClass actionClass : ActionClass.values()) {
                own.put(actionClass, rate(accountsPrefix + written + "." + actionClass.key(), property,
                        rates.get(actionClass)));
            }
            accounts.put(account, own);
        }
        return new AccountLimits(rates, accounts, System::nanoTime);
    }

    private static Rate rate(String prefix, Function<String, Optional<String>> property, Rate otherwise) {
        double bucket = property.apply(prefix + ".bucket").map(Double::parseDouble).orElse(otherwise.bucket());
        double perSecond = property.apply(prefix + ".per-second").map(Double::parseDouble).orElse(otherwise.perSecond());
        return new Rate(bucket, perSecond);
    }

    /** Takes one request of the account's bucket for the class: false when the account is over its limit. */
    public boolean admit(String account, ActionClass actionClass) {
        Rate rate = rateOf(account, actionClass);
        if (rate.unlimited()) {
            return true;
        }
        long now = clock.getAsLong();
        RequestBucket bucket = buckets.computeIfAbsent(account + '/' + actionClass, k -> new RequestBucket(rate, now));
        boolean admitted = bucket.take(now);
        if (now - sweptAt > FORGET_AFTER_NANOS) {
            sweptAt = now;
            // A full bucket is the same as none: forgetting it bounds the memory to the accounts active lately.
            buckets.values().removeIf(b -> b.isIdleSince(now));
        }
        return admitted;
    }

    public Rate rateOf(String account, ActionClass actionClass) {
        Map<ActionClass, Rate> own = accounts.get(account);
        return own != null ? own.get(actionClass) : rates.get(actionClass);
    }

    int bucketCount() {
        return buckets.size();
    }
}
