package dev.imageregistry.gateway.regions;

import static dev.imageregistry.gateway.ec2.Ec2Action.action;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.services.ec2.model.DescribeAvailabilityZonesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeAvailabilityZonesResponse;
import software.amazon.awssdk.services.ec2.model.DescribeRegionsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeRegionsResponse;

import dev.imageregistry.gateway.ec2.ActionCall;
import dev.imageregistry.gateway.ec2.ActionFamily;
import dev.imageregistry.gateway.ec2.Ec2Action;
import dev.imageregistry.gateway.ec2.Wildcards;
import dev.imageregistry.gateway.wire.AwsError;
import io.vertx.core.Future;

/**
 * DescribeRegions and DescribeAvailabilityZones from the configured Regions. Each Region has one zone,
 * {@code <region>a}, where the launch-service places every instance. Answered from configuration alone, at once.
 */
@ApplicationScoped
public class RegionActions implements ActionFamily {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Regions regions;

    public RegionActions(Regions regions) {
        this.regions = regions;
    }

    @Override
    public List<Ec2Action> actions() {
        return List.of(
                action("DescribeRegions", DescribeRegionsRequest::builder, DescribeRegionsResponse::builder)
                        .accepts("RegionNames", "AllRegions", "Filters.Name", "Filters.Values")
                        .handledBy(call -> Future.succeededFuture(describeRegions(call))),
                action("DescribeAvailabilityZones", DescribeAvailabilityZonesRequest::builder,
                        DescribeAvailabilityZonesResponse::builder)
                        .accepts("ZoneNames", "ZoneIds", "AllAvailabilityZones", "Filters.Name", "Filters.Values")
                        .handledBy(call -> Future.succeededFuture(describeZones(call))));
    }

    private JsonNode describeRegions(ActionCall call) {
        List<String> named = texts(call.input().path("RegionNames"));
        for (String name : named) {
            if (!regions.exists(name)) {
                throw new AwsError(400, "InvalidParameterValue", "Invalid region: " + name);
            }
        }
        ObjectNode result = JSON.objectNode();
        ArrayNode list = result.putArray("Regions");
        for (String name : regions.names()) {
            ObjectNode region = JSON.objectNode().put("RegionName", name).put("Endpoint", regions.endpointOf(name))
                    .put("OptInStatus", "opt-in-not-required");
            if ((named.isEmpty() || named.contains(name)) && matches(call, region, "region-name", "RegionName",
                    "endpoint", "Endpoint", "opt-in-status", "OptInStatus")) {
                list.add(region);
            }
        }
        return result;
    }

    private JsonNode describeZones(ActionCall call) {
        String own = regions.own();
        ObjectNode zone = JSON.objectNode().put("ZoneName", own + "a").put("ZoneId", zoneId(own))
                .put("RegionName", own).put("State", "available").put("ZoneType", "availability-zone")
                .put("OptInStatus", "opt-in-not-required").put("GroupName", own).put("NetworkBorderGroup", own);
        zone.putArray("Messages");
        List<String> names = texts(call.input().path("ZoneNames"));
        List<String> ids = texts(call.input().path("ZoneIds"));
        for (String name : names) {
            if (!name.equals(own + "a")) {
                throw AwsError.invalidParameterValue("The zone '" + name + "' does not exist.");
            }
        }
        for (String id : ids) {
            if (!id.equals(zoneId(own))) {
                throw AwsError.invalidParameterValue("The zone ID '" + id + "' does not exist.");
            }
        }
        ObjectNode result = JSON.objectNode();
        ArrayNode zones = result.putArray("AvailabilityZones");
        if (matches(call, zone, "zone-name", "ZoneName", "zone-id", "ZoneId", "region-name", "RegionName", "state",
                "State", "zone-type", "ZoneType", "group-name", "GroupName", "opt-in-status", "OptInStatus")) {
            zones.add(zone);
        }
        return result;
    }

    /** A zone ID in EC2's shape: {@code use1-az1} for us-east-1. */
    static String zoneId(String region) {
        String[] parts = region.split("-");
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            id.append(i == parts.length - 1 ? parts[i] : parts[i].substring(0, Math.min(parts[i].length(), i == 0 ? 2 : 1)));
        }
        return id + "-az1";
    }

    /** EC2's filters over a few members: {@code filterName, member} pairs; other filter names are refused. */
    private static boolean matches(ActionCall call, ObjectNode item, String... filterAndMember) {
        for (JsonNode filter : call.input().path("Filters")) {
            String name = filter.path("Name").asText();
            String member = null;
            for (int i = 0; i < filterAndMember.length; i += 2) {
                if (filterAndMember[i].equals(name)) {
                    member = filterAndMember[i + 1];
                }
            }
            if (member == null) {
                throw AwsError.invalidParameterValue("The filter '" + name + "' is invalid");
            }
            String value = item.path(member).asText();
            boolean any = false;
            for (JsonNode pattern : filter.path("Values")) {
                any |= Pattern.compile(Wildcards.regex(pattern.asText())).matcher(value).matches();
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    private static List<String> texts(JsonNode values) {
        List<String> texts = new ArrayList<>();
        values.forEach(v -> texts.add(v.asText()));
        return texts;
    }
}
