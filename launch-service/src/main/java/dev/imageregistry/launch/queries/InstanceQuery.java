package dev.imageregistry.launch.queries;

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

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.domain.Instance;
import dev.imageregistry.launch.domain.InstanceState;
import dev.imageregistry.launch.persistence.InstanceRecords;
import dev.imageregistry.launch.persistence.InstanceRecords.Condition;
import dev.imageregistry.launch.persistence.InstanceRow;
import dev.imageregistry.launch.queries.InstanceDescription.DescribeInstancesResult;
import dev.imageregistry.launch.queries.InstanceDescription.ImageReference;
import dev.imageregistry.launch.queries.InstanceDescription.Reservation;
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
                : Instance.wellFormedIds(instanceIds);
        if (!ids.isEmpty() && maxResults != null) {
            throw Ec2Exception.badRequest("InvalidParameterCombination",
                    "The parameter instancesSet cannot be used with the parameter maxResults");
        }
        int limit = maxResults == null ? 1000 : maxResults;
        if (limit < 5 || limit > 1000) {
            throw Ec2Exception.invalidParameter("Value (" + limit + ") for parameter maxResults is invalid. "
                    + "Expecting a value between 5 and 1000.");
        }
        List<Condition> conditions = filters.stream().map(InstanceQuery::condition).toList();
        String after = nextToken == null ? null : decodeToken(nextToken);
        List<InstanceDescription> page = describe(records.page(account, visibleSince(), ids, conditions, after,
                limit + 1));
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

    /** The instances as RunInstances answers them, whoever may see them (the caller has just launched them). */
    public List<InstanceDescription> launched(List<String> instanceIds) {
        return describe(records.find(instanceIds));
    }

    /** The caller's instances (not terminated) launched from {@code imageId}: DescribeImageReferences. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ImageReference> references(String account, String imageId) {
        if (imageId == null || imageId.isEmpty()) {
            throw Ec2Exception.missingParameter("ImageId");
        }
        Ec2Exception.requireWellFormed(ResourceKind.IMAGE, imageId);
        return records.usingImage(account, imageId).stream()
                .map(id -> new ImageReference(imageId, "ec2:Instance",
                        "arn:aws:ec2:" + service.region() + ":" + account + ":instance/" + id))
                .toList();
    }

    /** When a terminated instance that can still be found was terminated at the earliest. */
    private Instant visibleSince() {
        return Instant.now().minus(terminatedVisibility);
    }

    private List<InstanceDescription> describe(List<InstanceRow> rows) {
        String zone = service.region() + "a";
        return rows.stream().map(row -> InstanceDescription.of(row, zone)).toList();
    }

    private static Condition condition(Filter filter) {
        if (filter.name() == null || filter.values() == null || filter.values().isEmpty()) {
            throw Ec2Exception.invalidParameter("Each filter needs a Name and at least one Value.");
        }
        if (filter.name().equals("instance-state-name")) {
            for (String value : filter.values()) {
                if (!InstanceState.isName(value)) {
                    throw Ec2Exception.invalidParameter("The filter value '" + value
                            + "' is not a valid instance-state-name.");
                }
            }
            return Condition.stateIn(filter.values());
        } else if (filter.name().equals("image-id")) {
            return Condition.imageIn(filter.values());
        } else if (filter.name().equals("instance-type")) {
            return Condition.instanceTypeIn(filter.values());
        } else if (filter.name().startsWith("tag:") && filter.name().length() > 4) {
            return Condition.tagIn(filter.name().substring(4), filter.values());
        } else if (filter.name().equals("tag-key")) {
            return Condition.tagKeyIn(filter.values());
        }
        throw Ec2Exception.badRequest("InvalidParameterValue", "The filter '" + filter.name()
                + "' is invalid (supported: instance-state-name, image-id, instance-type, tag:<key>, tag-key).");
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
            if (ResourceKind.INSTANCE.isWellFormed(last)) {
                return last;
            }
        } catch (IllegalArgumentException e) {
            // falls through to the refusal
        }
        throw Ec2Exception.invalidParameter("The NextToken is not valid.");
    }
}
