package dev.imageregistry.registry.queries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.registry.domain.ImageParameters;
import dev.imageregistry.registry.queries.ImageQueries.Filter;

/** DescribeImages' rules that need no server: wildcards, EC2's time text, filter translation, ID shapes. */
class DescribeRulesTest {

    @Test
    void wildcardsWorkAnywhereInAValueAndBackslashMakesThemLiteral() {
        assertTrue(FilterValue.of("ubuntu*").matches("ubuntu-24.04"));
        assertTrue(FilterValue.of("*24.04*").matches("ubuntu-24.04-amd64"));
        assertTrue(FilterValue.of("ubuntu-*-amd64").matches("ubuntu-24.04-amd64"));
        assertTrue(FilterValue.of("*").matches(""));
        assertTrue(FilterValue.of("x?n").matches("xen"));
        assertFalse(FilterValue.of("x?n").matches("xn"), "? is exactly one character");
        assertFalse(FilterValue.of("x?n").matches("xeen"));
        assertFalse(FilterValue.of("ubuntu").matches("ubuntu-24.04"), "no wildcard: the whole value");
        assertFalse(FilterValue.of("Ubuntu*").matches("ubuntu"), "case-sensitive");
        assertTrue(FilterValue.of("a\\*b").matches("a*b"));
        assertFalse(FilterValue.of("a\\*b").matches("axxb"));
        assertTrue(FilterValue.of("a\\?b").matches("a?b"));
        assertFalse(FilterValue.of("a\\?b").matches("axb"));
        assertTrue(FilterValue.of("a\\\\b").matches("a\\b"));
        assertTrue(FilterValue.of("a\\").matches("a\\"), "a trailing backslash is itself");
        assertTrue(FilterValue.of("50%_off").matches("50%_off"));
        assertFalse(FilterValue.of("50%_off").matches("50xyoff"), "% and _ are not wildcards");
        assertTrue(FilterValue.of("line\n*").matches("line\nbreak\nhere"));
    }

    @Test
    void aValueIsALikePatternOrTheLiteralItStandsFor() {
        assertEquals("ubuntu%", FilterValue.of("ubuntu*").like());
        assertEquals("x_n", FilterValue.of("x?n").like());
        assertEquals("50\\%\\_off\\\\", FilterValue.of("50%_off\\\\").like());
        assertEquals("a*b", FilterValue.of("a\\*b").like());
        assertEquals("a*b", FilterValue.of("a\\*b").literal());
        assertFalse(FilterValue.of("a\\*b").hasWildcard());
        assertNull(FilterValue.of("a*b").literal());
        assertEquals("InvalidParameterValue", assertThrows(Ec2Exception.class, () -> FilterValue.of("x".repeat(256))).code());
    }

    @Test
    void timesAreUtcWithExactlyMilliseconds() {
        assertEquals("2026-12-03T13:04:05.123Z", Ec2Time.format(Instant.parse("2026-12-03T13:04:05.123Z")));
        assertEquals("2026-12-03T13:04:00.000Z", Ec2Time.format(Instant.parse("2026-12-03T13:04:00Z")));
        assertEquals("2026-12-03T13:04:05.120Z", Ec2Time.format(Instant.parse("2026-12-03T13:04:05.12Z")));
        assertEquals("2026-12-03T13:04:05.999Z", Ec2Time.format(Instant.parse("2026-12-03T13:04:05.999999Z")),
                "cut, not rounded, as PostgreSQL's to_char(MS)");
        assertEquals("2026-12-03T12:04:05.000Z", Ec2Time.format(java.time.OffsetDateTime
                .parse("2026-12-03T13:04:05+01:00").toInstant()));
        assertNull(Ec2Time.format(null));
    }

    @Test
    void keyedColumnsAreMatchedWithTheirIndexesAndWildcardsWithLike() {
        assertEquals(" and image_id = any(?::text[])", sql("image-id", "ami-0123456789abcdef0"));
        assertEquals(" and (owner_id = any(?::text[]) or owner_id like any(?::text[]))",
                sql("owner-id", "111111111111", "1111*"));
        assertEquals(" and snapshot_ids && ?::text[]", sql("block-device-mapping.snapshot-id", "snap-0123456789abcdef0"));
        assertEquals(" and exists (select 1 from unnest(snapshot_ids) s where s like any(?::text[]))",
                sql("block-device-mapping.snapshot-id", "snap-*"));
        assertEquals(" and is_public", sql("is-public", "true"));
        assertEquals(" and not is_public", sql("is-public", "false"));
        assertEquals("", sql("is-public", "true", "false"));
        assertTrue(sql("creation-date", "2026-12-03T*").contains("to_char(creation_date at time zone 'UTC'"));
    }

    @Test
    void filtersOnWhatEveryImageHereSharesAreDecidedWithoutSql() {
        for (String[] matching : new String[][] { { "root-device-type", "ebs" }, { "image-type", "machine" },
                { "hypervisor", "xen" }, { "platform-details", "Linux/UNIX" }, { "usage-operation", "RunInstances" },
                { "hypervisor", "x?n" }, { "platform-details", "Linux*" }, { "root-device-type", "instance-store", "e*" } }) {
            assertEquals("", sql(matching[0], java.util.Arrays.copyOfRange(matching, 1, matching.length)), matching[0]);
        }
        for (String[] missing : new String[][] { { "root-device-type", "instance-store" }, { "image-type", "kernel" },
                { "hypervisor", "ovm" }, { "platform-details", "Windows" }, { "usage-operation", "RunInstances:0002" },
                { "platform", "windows" }, { "platform", "*" },
                { "kernel-id", "*" }, { "ramdisk-id", "*" }, { "product-code", "*" }, { "owner-alias", "amazon" },
                { "block-device-mapping.encrypted", "true" } }) {
            assertEquals(" and false", sql(missing[0], java.util.Arrays.copyOfRange(missing, 1, missing.length)),
                    missing[0]);
        }
        // Images made from instances (CreateImage) record theirs.
        assertEquals(" and source_instance_id = any(?::text[])", sql("source-instance-id", "i-0123456789abcdef0"));
    }

    @Test
    void booleanFiltersTakeTrueFalseOrAPatternAndUnknownFiltersAreRefused() {
        assertEquals("InvalidParameterValue", refusal("ena-support", "yes"));
        assertEquals("InvalidParameterValue", refusal("is-public", "1"));
        assertEquals("InvalidParameterValue", refusal("block-device-mapping.delete-on-termination", "maybe"));
        assertEquals(" and ena_support is not null", sql("ena-support", "*"));
        assertEquals(" and false", sql("ena-support", "x*"));
        assertEquals("InvalidParameterValue", refusal("colour", "red"));
        assertEquals("InvalidParameterValue", refusal("free-tier-eligible", "true"));
        assertEquals("InvalidParameterValue", refusal("tag:", "x"));
        assertEquals("InvalidParameterValue", assertThrows(Ec2Exception.class,
                () -> ImageFilters.apply(new Filter("name", List.of()), false, new StringBuilder(), new ArrayList<>()))
                .code());
    }

    @Test
    void filteringForDisabledImagesNeedsIncludeDisabled() {
        assertEquals("InvalidParameter", refusal("state", "available", "disabled"));
        StringBuilder where = new StringBuilder();
        ImageFilters.apply(new Filter("state", List.of("disabled")), true, where, new ArrayList<>());
        assertEquals(" and state = any(?::text[])", where.toString());
        assertEquals(" and state like any(?::text[])", sql("state", "dis*"));
    }

    @Test
    void legacyIdsOfEightHexDigitsAreWellFormed() {
        ImageParameters.imageId("ami-1a2b3c4d");
        ImageParameters.imageId("ami-0123456789abcdef0");
        assertTrue(ResourceKind.SNAPSHOT.isWellFormed("snap-1a2b3c4d"));
        assertTrue(ResourceKind.SNAPSHOT.isWellFormed("snap-0123456789abcdef0"));
        for (String malformed : List.of("ami-123", "ami-1a2b3c4", "ami-1a2b3c4d5", "ami-0123456789abcdef", "ami-1A2B3C4D",
                "snap-1a2b3c4d", "ami-1a2b3c4g")) {
            assertEquals("InvalidAMIID.Malformed",
                    assertThrows(Ec2Exception.class, () -> ImageParameters.imageId(malformed)).code(), malformed);
        }
        assertFalse(ResourceKind.SNAPSHOT.isWellFormed("snap-1a2b3c4"));
        assertFalse(ResourceKind.IMAGE.isIssued("ami-1a2b3c4d"),
                "only 17-digit IDs are issued here (and allowed by the event contracts)");
    }

    private static String sql(String name, String... values) {
        StringBuilder where = new StringBuilder();
        ImageFilters.apply(new Filter(name, List.of(values)), false, where, new ArrayList<>());
        return where.toString();
    }

    private static String refusal(String name, String... values) {
        return assertThrows(Ec2Exception.class, () -> sql(name, values)).code();
    }
}
