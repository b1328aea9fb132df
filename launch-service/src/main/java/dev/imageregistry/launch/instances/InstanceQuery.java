package dev.imageregistry.launch.instances;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.imageregistry.launch.images.LaunchableImages;
import dev.imageregistry.launch.instances.InstanceDescription.DescribeInstancesResult;
import dev.imageregistry.launch.instances.InstanceDescription.ImageReference;
import dev.imageregistry.launch.instances.InstanceDescription.Reservation;
import dev.imageregistry.platform.ServiceIdentity;
import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * DescribeInstances and DescribeImageReferences over the caller's own instances. Terminated instances stay
 * visible for a while (launch.terminated-visibility), as on EC2, then disappear from the answers.
 */
@ApplicationScoped
public class InstanceQuery {
    private final InstanceRecords records;
    private final ServiceIdentity service;
    private final Duration terminatedVisibility;

    public InstanceQuery(InstanceRecords records, ServiceIdentity service,
            @ConfigProperty(name = "launch.terminated-visibility", defaultValue = "PT1H") Duration terminatedVisibility) {
        this.records = records;
        this.service = service;
        this.terminatedVisibility = terminatedVisibility;
    }

    /** A filter of DescribeInstances: a name and the values any of which matches. */
    public record Filter(String name, List<String> values) {
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public DescribeInstancesResult describe(String account, List<String> instanceIds, List<Filter> filters,
            Integer maxResults, String nextToken) {
        List<String> ids = instanceIds == null || instanceIds.isEmpty() ? List.of()
                : InstanceLifecycle.wellFormed(instanceIds);
        if (!ids.isEmpty() && maxResults != null) {
            throw Ec2Exception.badRequest("InvalidParameterCombination",
                    "The parameter instancesSet cannot be used with the parameter maxResults");
        }
        int limit = maxResults == null ? 1000 : maxResults;
        if (limit < 5 || limit > 1000) {
            throw Ec2Exception.invalidParameter("Value (" + limit + ") for parameter maxResults is invalid. "
                    + "Expecting a value between 5 and 1000.");
        }
        StringBuilder where = new StringBuilder("i.owner_id = ? and not (i.state = 'terminated' and i.state_changed_at < ?)");
        List<Object> params = new ArrayList<>(List.of(account, Instant.now().minus(terminatedVisibility)));
        if (!ids.isEmpty()) {
            where.append(" and i.instance_id in (").append(InstanceRecords.placeholders(ids.size())).append(')');
            params.addAll(ids);
        }
        for (Filter filter : filters) {
            restrict(filter, where, params);
        }
        if (nextToken != null) {
            where.append(" and i.instance_id > ?");
            params.add(decodeToken(nextToken));
        }
        List<InstanceDescription> page = records.query(where.toString(), params, limit + 1);
        if (!ids.isEmpty() && filters.isEmpty() && page.size() < ids.size()) {
            List<String> found = page.stream().map(InstanceDescription::instanceId).toList();
            throw Ec2Exception.notFound("InvalidInstanceID.NotFound", "The instance IDs '"
                    + String.join(", ", ids.stream().filter(id -> !found.contains(id)).toList()) + "' do not exist");
        }
        String next = null;
        if (page.size() > limit) {
            page = page.subList(0, limit);
            next = encodeToken(page.get(limit - 1).instanceId());
        }
        return new DescribeInstancesResult(reservations(page), next);
    }

    /** The caller's instances (not terminated) launched from {@code imageId}: DescribeImageReferences. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ImageReference> references(String account, String imageId) {
        LaunchableImages.requireWellFormed(imageId);
        return records.usingImage(account, imageId).stream()
                .map(id -> new ImageReference(imageId, "ec2:Instance",
                        "arn:aws:ec2:" + service.region() + ":" + account + ":instance/" + id))
                .toList();
    }

    private static void restrict(Filter filter, StringBuilder where, List<Object> params) {
        if (filter.name() == null || filter.values() == null || filter.values().isEmpty()) {
            throw Ec2Exception.invalidParameter("Each filter needs a Name and at least one Value.");
        }
        String in = InstanceRecords.placeholders(filter.values().size());
        if (filter.name().equals("instance-state-name")) {
            for (String value : filter.values()) {
                if (!InstanceState.isName(value)) {
                    throw Ec2Exception.invalidParameter("The filter value '" + value
                            + "' is not a valid instance-state-name.");
                }
            }
            where.append(" and i.state in (").append(in).append(')');
            params.addAll(filter.values());
        } else if (filter.name().equals("image-id")) {
            where.append(" and i.image_id in (").append(in).append(')');
            params.addAll(filter.values());
        } else if (filter.name().equals("instance-type")) {
            where.append(" and i.instance_type in (").append(in).append(')');
            params.addAll(filter.values());
        } else if (filter.name().startsWith("tag:") && filter.name().length() > 4) {
            where.append(" and exists (select 1 from instance_tag t where t.instance_id = i.instance_id "
                    + "and t.key = ? and t.value in (").append(in).append("))");
            params.add(filter.name().substring(4));
            params.addAll(filter.values());
        } else if (filter.name().equals("tag-key")) {
            where.append(" and exists (select 1 from instance_tag t where t.instance_id = i.instance_id "
                    + "and t.key in (").append(in).append("))");
            params.addAll(filter.values());
        } else {
            throw Ec2Exception.badRequest("InvalidParameterValue", "The filter '" + filter.name()
                    + "' is invalid (supported: instance-state-name, image-id, instance-type, tag:<key>, tag-key).");
        }
    }

    private static List<Reservation> reservations(List<InstanceDescription> instances) {
        Map<String, List<InstanceDescription>> byReservation = new LinkedHashMap<>();
        instances.forEach(i -> byReservation.computeIfAbsent(i.reservationId(), r -> new ArrayList<>()).add(i));
        return byReservation.entrySet().stream()
                .map(e -> new Reservation(e.getKey(), e.getValue().get(0).ownerId(), e.getValue())).toList();
    }

    private static String encodeToken(String lastInstanceId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastInstanceId.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String token) {
        try {
            String last = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (InstanceLifecycle.INSTANCE_ID.matcher(last).matches()) {
                return last;
            }
        } catch (IllegalArgumentException e) {
            // falls through to the refusal
        }
        throw Ec2Exception.invalidParameter("The NextToken is not valid.");
    }
}
