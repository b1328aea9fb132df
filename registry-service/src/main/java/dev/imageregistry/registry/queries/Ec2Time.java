package dev.imageregistry.registry.queries;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * EC2's way of writing a time in DescribeImages ({@code CreationDate}, {@code DeprecationTime},
 * {@code LastLaunchedTime}): UTC, exactly three fraction digits and a {@code Z}, e.g.
 * {@code 2026-12-03T13:04:05.123Z}. Finer fractions are cut, not rounded, the same way PostgreSQL's
 * {@code to_char(..., 'MS')} cuts them, so that the {@code creation-date} filter matches what is printed.
 */
public final class Ec2Time {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Ec2Time() {
    }

    public static String format(Instant instant) {
        return instant == null ? null : FORMAT.format(instant);
    }

    /** The same text computed in SQL from a timestamptz column, for filters on it. */
    static String sql(String column) {
        return "to_char(" + column + " at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
    }
}
