package dev.imageregistry.registry.queries;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.registry.domain.Image;
import dev.imageregistry.registry.domain.ImageEvent.BlockDeviceMapping;
import dev.imageregistry.registry.domain.ImageEvent.StateReason;
import dev.imageregistry.registry.domain.ImageEvent.Tag;
import dev.imageregistry.registry.domain.ImageParameters;

/**
 * DescribeImages over the describe view. A caller sees an image it owns, one shared with it, or a public one;
 * disabled images only their owner, and only with IncludeDisabled (as EC2: by default no disabled image is in
 * the answer); deprecated ones are hidden from others unless asked for by ID or with IncludeDeprecated. Filters
 * are translated by {@link ImageFilters}. Pages are keyset pages by image ID, so a next token stays correct while
 * images are added. Text arrays are bound as {@code ?::text[]}.
 */
@ApplicationScoped
public class ImageQueries {
    public static final int MAX_RESULTS = 1000;
    private static final String COLUMNS = "image_id, owner_id, name, description, state, state_reason_code, "
            + "state_reason_message, architecture, root_device_name, block_device_mappings::text, boot_mode, "
            + "virtualization_type, ena_support, imds_support, is_public, creation_date, deprecation_time, tags::text, "
            + "source_image_id, source_region, deregistration_protection, "
            // From the instances read model (instance-events); a scalar subquery keeps every WHERE unqualified.
            + "(select last_launched_time from image_last_launch l where l.image_id = image.image_id), "
            + "source_instance_id";
    private static final TypeReference<List<BlockDeviceMapping>> MAPPINGS = new TypeReference<>() {
    };
    private static final TypeReference<TreeMap<String, String>> TAGS = new TypeReference<>() {
    };

    private final Jdbc jdbc;

    public ImageQueries(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** A filter of DescribeImages: a name and the values any of which may match ({@code *} and {@code ?}). */
    public record Filter(String name, List<String> values) {
    }

    /**
     * A DescribeImages request. {@code includeDisabled}: EC2's IncludeDisabled; without it no disabled image is
     * answered (not even by ID), with it the caller's own disabled images are (nobody else's: disabling unshares).
     */
    public record Query(List<String> imageIds, List<String> owners, List<String> executableBy, List<Filter> filters,
            boolean includeDeprecated, boolean includeDisabled, Integer maxResults, String nextToken) {
    }

    public record Page(List<ImageDescription> images, String nextToken) {
    }

    public Page describe(String caller, Query query) {
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder(" where state <> 'deregistered'");
        visible(caller, where, params);
        if (!query.includeDisabled()) {
            where.append(" and state <> 'disabled'");
        }
        boolean byId = !query.imageIds().isEmpty();
        if (byId) {
            query.imageIds().forEach(ImageParameters::imageId);
            where.append(" and image_id = any(?::text[])");
            params.add(query.imageIds().toArray(String[]::new));
        }
        if (!byId && !query.includeDeprecated()) {
            where.append(" and (owner_id = ? or deprecation_time is null or deprecation_time > now())");
            params.add(caller);
        }
        if (!query.owners().isEmpty()) {
            Set<String> owners = new LinkedHashSet<>();
            for (String owner : query.owners()) {
                if ("self".equals(owner)) {
                    owners.add(caller);
                } else if (ImageParameters.ACCOUNT.matcher(owner).matches()) {
                    owners.add(owner);
                } else {
                    throw Ec2Exception.invalidParameter("Owner must be self or a 12-digit account ID, not "
                            + ImageParameters.printable(owner));
                }
            }
            where.append(" and owner_id = any(?::text[])");
            params.add(owners.toArray(String[]::new));
        }
        if (!query.executableBy().isEmpty()) {
            Set<String> users = new LinkedHashSet<>();
            boolean everyone = false;
            for (String user : query.executableBy()) {
                if ("all".equals(user)) {
                    everyone = true;
                } else if ("self".equals(user)) {
                    users.add(caller);
                } else if (ImageParameters.ACCOUNT.matcher(user).matches()) {
                    users.add(user);
                } else {
                    throw Ec2Exception.invalidParameter("ExecutableBy must be self, all or a 12-digit account ID, not "
                            + ImageParameters.printable(user));
                }
            }
            where.append(" and (").append(everyone ? "is_public or " : "").append("launch_users && ?::text[])");
            params.add(users.toArray(String[]::new));
        }
        for (Filter filter : query.filters()) {
            ImageFilters.apply(filter, query.includeDisabled(), where, params);
        }
        int limit = MAX_RESULTS;
        if (query.maxResults() != null) {
            if (byId) {
                throw Ec2Exception.badRequest("InvalidParameterCombination",
                        "MaxResults cannot be combined with ImageIds.");
            }
            if (query.maxResults() < 5 || query.maxResults() > MAX_RESULTS) {
                throw Ec2Exception.invalidParameter("MaxResults must be between 5 and " + MAX_RESULTS + ".");
            }
            limit = query.maxResults();
        }
        if (query.nextToken() != null) {
            where.append(" and image_id > ?");
            params.add(decodeToken(query.nextToken()));
        }
        String sql = "select " + COLUMNS + " from image" + where + " order by image_id limit " + (limit + 1);
        List<ImageDescription> images = select(sql, params);
        String next = null;
        if (images.size() > limit) {
            images = new ArrayList<>(images.subList(0, limit));
            next = encodeToken(images.get(limit - 1).imageId());
        }
        if (byId) {
            Set<String> missing = new LinkedHashSet<>(query.imageIds());
            images.forEach(image -> missing.remove(image.imageId()));
            if (!missing.isEmpty()) {
                throw Ec2Exception.notFound("InvalidAMIID.NotFound",
                        "The image id '" + missing + "' does not exist");
            }
        }
        return new Page(images, next);
    }

    /** One image the caller may see, by ID (deprecated images included, as EC2 does for IDs). */
    public ImageDescription visibleImage(String caller, String imageId) {
        ImageParameters.imageId(imageId);
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder(" where state <> 'deregistered' and image_id = ?");
        params.add(imageId);
        visible(caller, where, params);
        List<ImageDescription> found = select("select " + COLUMNS + " from image" + where, params);
        if (found.isEmpty()) {
            throw Image.notFound(imageId);
        }
        return found.get(0);
    }

    /** The accounts an owned image is shared with (launchPermission), or not found for anyone else. */
    public List<String> launchUsers(String caller, String imageId) {
        ImageParameters.imageId(imageId);
        return jdbc.one("select launch_users from image where image_id = ? and owner_id = ? and state <> 'deregistered'",
                rs -> List.of((String[]) rs.getArray(1).getArray()), imageId, caller)
                .orElseThrow(() -> Image.notFound(imageId));
    }

    private static void visible(String caller, StringBuilder where, List<Object> params) {
        where.append(" and (owner_id = ? or (state <> 'disabled' and (is_public or launch_users @> ?::text[])))");
        params.add(caller);
        params.add(new String[] { caller });
    }

    private static String encodeToken(String lastImageId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("v1:" + lastImageId).getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String token) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (decoded.startsWith("v1:") && ResourceKind.IMAGE.isWellFormed(decoded.substring(3))) {
                return decoded.substring(3);
            }
        } catch (IllegalArgumentException e) {
            // falls through to the refusal below
        }
        throw Ec2Exception.invalidParameter("The NextToken is not valid.");
    }

    private List<ImageDescription> select(String sql, List<Object> params) {
        return new ArrayList<>(jdbc.query(sql, ImageQueries::row, params.toArray()));
    }

    private static ImageDescription row(ResultSet rs) throws SQLException {
        try {
            String reasonCode = rs.getString(6);
            Map<String, String> tagMap = EventJson.MAPPER.readValue(rs.getString(18), TAGS);
            List<Tag> tags = tagMap.entrySet().stream().map(e -> new Tag(e.getKey(), e.getValue())).toList();
            Boolean ena = rs.getObject(13) == null ? null : rs.getBoolean(13);
            String ownerId = rs.getString(2);
            String name = rs.getString(3);
            return new ImageDescription(rs.getString(1), ImageDescription.imageLocation(ownerId, name), ownerId, name,
                    rs.getString(4), rs.getString(5),
                    reasonCode == null ? null : new StateReason(reasonCode, rs.getString(7)), rs.getString(8),
                    ImageDescription.IMAGE_TYPE, ImageDescription.HYPERVISOR, ImageDescription.PLATFORM_DETAILS,
                    ImageDescription.USAGE_OPERATION, rs.getString(9), ImageDescription.ROOT_DEVICE_TYPE,
                    mappings(EventJson.MAPPER.readValue(rs.getString(10), MAPPINGS)), rs.getString(11),
                    rs.getString(12), ena, rs.getString(14), rs.getBoolean(15), time(rs.getTimestamp(16)),
                    time(rs.getTimestamp(17)), tags.isEmpty() ? null : tags, rs.getString(19), rs.getString(20),
                    rs.getString(21), time(rs.getTimestamp(22)), rs.getString(23));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable image row", e);
        }
    }

    private static String time(Timestamp timestamp) {
        return timestamp == null ? null : Ec2Time.format(timestamp.toInstant());
    }

    /** The stored mappings as DescribeImages shows them: {@code Encrypted} false on every EBS volume. */
    private static List<ImageDescription.Mapping> mappings(List<BlockDeviceMapping> stored) {
        List<ImageDescription.Mapping> shown = new ArrayList<>(stored.size());
        for (BlockDeviceMapping mapping : stored) {
            var ebs = mapping.ebs();
            shown.add(new ImageDescription.Mapping(mapping.deviceName(), ebs == null ? null
                    : new ImageDescription.Ebs(ebs.snapshotId(), ebs.volumeSize(), ebs.volumeType(),
                            ebs.deleteOnTermination(), Boolean.FALSE)));
        }
        return shown;
    }
}
