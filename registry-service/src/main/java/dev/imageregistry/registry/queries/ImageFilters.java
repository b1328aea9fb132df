package dev.imageregistry.registry.queries;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.registry.domain.ImageParameters;
import dev.imageregistry.registry.queries.ImageQueries.Filter;

/**
 * EC2's DescribeImages filters as SQL conditions over the describe view ({@code image}). Values of one filter are
 * ORed, filters are ANDed (each filter adds one {@code and ...}). Values without a wildcard on a keyed column are
 * matched with {@code = any(?)} or {@code &&}, so that the primary key, the owner index and the snapshot GIN index
 * stay usable; wildcards become {@code like any(?)}. A filter on something every image here has the same value
 * of (a Linux/UNIX EBS machine image on Xen) is decided in Java, and one on something no image here has (a
 * platform, a kernel, a product code, a source instance) matches nothing, as on EC2 for such images.
 */
final class ImageFilters {
    /** Filters on a text column. */
    private static final Map<String, String> COLUMNS = Map.ofEntries(
            Map.entry("image-id", "image_id"),
            Map.entry("owner-id", "owner_id"),
            Map.entry("name", "name"),
            Map.entry("description", "description"),
            Map.entry("state", "state"),
            Map.entry("state-reason-code", "state_reason_code"),
            Map.entry("state-reason-message", "state_reason_message"),
            Map.entry("architecture", "architecture"),
            Map.entry("root-device-name", "root_device_name"),
            Map.entry("virtualization-type", "virtualization_type"),
            Map.entry("boot-mode", "boot_mode"),
            Map.entry("imds-support", "imds_support"),
            Map.entry("source-image-id", "source_image_id"),
            Map.entry("source-instance-id", "source_instance_id"),
            Map.entry("source-image-region", "source_region"),
            // EC2's text of the time (Ec2Time), so that "2026-12-03T*" matches a whole day.
            Map.entry("creation-date", Ec2Time.sql("creation_date")),
            Map.entry("deprecation-time", Ec2Time.sql("deprecation_time")));

    /** Filters on a member whose value is the same for every image here. */
    private static final Map<String, String> CONSTANTS = Map.of(
            "image-type", ImageDescription.IMAGE_TYPE,
            "hypervisor", ImageDescription.HYPERVISOR,
            "platform-details", ImageDescription.PLATFORM_DETAILS,
            "usage-operation", ImageDescription.USAGE_OPERATION,
            "root-device-type", ImageDescription.ROOT_DEVICE_TYPE);

    /** EC2 filters on members no image here has (Linux, registered from snapshots, no marketplace): none match. */
    private static final Set<String> ABSENT = Set.of("platform", "kernel-id", "ramdisk-id",
            "product-code", "product-code.type", "owner-alias", "sriov-net-support");

    /** Filters on a member of a block device mapping (the jsonb array); any one mapping may match. */
    private static final Map<String, String> MAPPING_MEMBERS = Map.of(
            "block-device-mapping.device-name", "m->>'deviceName'",
            "block-device-mapping.volume-size", "m->'ebs'->>'volumeSize'",
            "block-device-mapping.volume-type", "m->'ebs'->>'volumeType'");

    private static final String MAPPINGS = "select 1 from jsonb_array_elements(block_device_mappings) m";

    private ImageFilters() {
    }

    /** Appends the condition of one filter ({@code " and ..."}) and its parameters. */
    static void apply(Filter filter, boolean includeDisabled, StringBuilder where, List<Object> params) {
        if (filter.name() == null || filter.values() == null || filter.values().isEmpty()) {
            throw Ec2Exception.invalidParameter("Each filter needs a Name and at least one Value.");
        }
        String name = filter.name();
        List<FilterValue> values = filter.values().stream().map(FilterValue::of).toList();
        String column = COLUMNS.get(name);
        if (column != null) {
            if (name.equals("state") && !includeDisabled
                    && values.stream().anyMatch(v -> "disabled".equals(v.literal()))) {
                throw Ec2Exception.badRequest("InvalidParameter",
                        "When filtering by the 'disabled' state, 'IncludeDisabled' must be set to 'true' in the request.");
            }
            where.append(" and ").append(text(column, values, params));
        } else if (CONSTANTS.containsKey(name)) {
            String constant = CONSTANTS.get(name);
            if (values.stream().noneMatch(v -> v.matches(constant))) {
                where.append(" and false");
            }
        } else if (ABSENT.contains(name)) {
            where.append(" and false");
        } else if (MAPPING_MEMBERS.containsKey(name)) {
            where.append(" and exists (").append(MAPPINGS).append(" where ")
                    .append(text(MAPPING_MEMBERS.get(name), values, params)).append(')');
        } else if (name.equals("is-public")) {
            Set<Boolean> wanted = booleans(name, values);
            if (wanted.size() == 1) {
                where.append(wanted.contains(true) ? " and is_public" : " and not is_public");
            } else if (wanted.isEmpty()) {
                where.append(" and false");
            }
        } else if (name.equals("ena-support")) {
            Set<Boolean> wanted = booleans(name, values);
            if (wanted.size() == 2) {
                where.append(" and ena_support is not null");
            } else if (wanted.size() == 1) {
                where.append(wanted.contains(true) ? " and ena_support" : " and not ena_support");
            } else {
                where.append(" and false");
            }
        } else if (name.equals("block-device-mapping.delete-on-termination")) {
            Set<Boolean> wanted = booleans(name, values);
            if (wanted.isEmpty()) {
                where.append(" and false");
            } else {
                where.append(" and exists (").append(MAPPINGS)
                        .append(" where m->'ebs'->>'deleteOnTermination' = any(?::text[]))");
                params.add(wanted.stream().map(String::valueOf).toArray(String[]::new));
            }
        } else if (name.equals("block-device-mapping.encrypted")) {
            // No volume here is encrypted: "false" matches every image with an EBS mapping, "true" none.
            if (booleans(name, values).contains(false)) {
                where.append(" and exists (").append(MAPPINGS).append(" where m->'ebs' is not null)");
            } else {
                where.append(" and false");
            }
        } else if (name.equals("block-device-mapping.snapshot-id")) {
            List<String> exact = literals(values);
            List<String> like = patterns(values);
            List<String> either = new ArrayList<>();
            if (!exact.isEmpty()) {
                either.add("snapshot_ids && ?::text[]");
                params.add(exact.toArray(String[]::new));
            }
            if (!like.isEmpty()) {
                either.add("exists (select 1 from unnest(snapshot_ids) s where s like any(?::text[]))");
                params.add(like.toArray(String[]::new));
            }
            where.append(" and ").append(or(either));
        } else if (name.equals("tag-key")) {
            where.append(" and exists (select 1 from jsonb_object_keys(tags) k where ").append(text("k", values, params))
                    .append(')');
        } else if (name.startsWith("tag:") && name.length() > 4) {
            params.add(name.substring(4));
            where.append(" and exists (select 1 from jsonb_each_text(tags) t where t.key = ? and ")
                    .append(text("t.value", values, params)).append(')');
        } else {
            throw Ec2Exception.invalidParameter("The filter '" + ImageParameters.printable(name) + "' is invalid");
        }
    }

    /** {@code expr = any(?)} for the literal values, {@code expr like any(?)} for the patterns (text arrays), ORed. */
    private static String text(String expression, List<FilterValue> values, List<Object> params) {
        List<String> exact = literals(values);
        List<String> like = patterns(values);
        List<String> either = new ArrayList<>();
        if (!exact.isEmpty()) {
            either.add(expression + " = any(?::text[])");
            params.add(exact.toArray(String[]::new));
        }
        if (!like.isEmpty()) {
            either.add(expression + " like any(?::text[])");
            params.add(like.toArray(String[]::new));
        }
        return or(either);
    }

    private static String or(List<String> conditions) {
        return conditions.size() == 1 ? conditions.get(0) : "(" + String.join(" or ", conditions) + ")";
    }

    private static List<String> literals(List<FilterValue> values) {
        return values.stream().filter(v -> !v.hasWildcard()).map(FilterValue::literal).distinct().toList();
    }

    private static List<String> patterns(List<FilterValue> values) {
        return values.stream().filter(FilterValue::hasWildcard).map(FilterValue::like).distinct().toList();
    }

    /** The truth values a Boolean filter's values match; a value that is neither a pattern nor true/false is refused. */
    static Set<Boolean> booleans(String name, List<FilterValue> values) {
        Set<Boolean> wanted = new LinkedHashSet<>();
        for (FilterValue value : values) {
            if (!value.hasWildcard() && !value.literal().equals("true") && !value.literal().equals("false")) {
                throw Ec2Exception.invalidParameter("The filter " + name + " takes true or false, not '"
                        + ImageParameters.printable(value.literal()) + "'.");
            }
            if (value.matches("true")) {
                wanted.add(true);
            }
            if (value.matches("false")) {
                wanted.add(false);
            }
        }
        return wanted;
    }
}
