package dev.imageregistry.gateway.tags;

import static dev.imageregistry.gateway.ec2.Ec2Action.action;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.CreateTagsResponse;
import software.amazon.awssdk.services.ec2.model.DeleteTagsRequest;
import software.amazon.awssdk.services.ec2.model.DeleteTagsResponse;
import software.amazon.awssdk.services.ec2.model.DescribeTagsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeTagsResponse;

import dev.imageregistry.gateway.ec2.ActionCall;
import dev.imageregistry.gateway.ec2.ActionFamily;
import dev.imageregistry.gateway.ec2.Ec2Action;
import dev.imageregistry.gateway.ec2.Wildcards;
import dev.imageregistry.gateway.services.RegionServices;
import dev.imageregistry.gateway.services.Service;
import dev.imageregistry.gateway.services.ServiceQuery;
import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.ids.ResourceKind;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/** Tags by resource ID, whichever service owns the resource: images, snapshots and instances. */
@ApplicationScoped
public class TagActions implements ActionFamily {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final List<String> FILTERS = List.of("key", "value", "resource-id", "resource-type");

    private final RegionServices services;

    public TagActions(RegionServices services) {
        this.services = services;
    }

    @Override
    public List<Ec2Action> actions() {
        return List.of(
                action("CreateTags", CreateTagsRequest::builder, CreateTagsResponse::builder)
                        .accepts("Resources", "Tags.Key", "Tags.Value")
                        .dryRunChecks(this::owned)
                        .handledBy(call -> {
                            if (!call.input().has("Tags")) {
                                throw AwsError.missingParameter("Tag.N");
                            }
                            return change(call, HttpMethod.POST).map(done -> JSON.objectNode());
                        }),
                action("DeleteTags", DeleteTagsRequest::builder, DeleteTagsResponse::builder)
                        .accepts("Resources", "Tags.Key", "Tags.Value")
                        .dryRunChecks(this::owned)
                        .handledBy(call -> change(call, HttpMethod.DELETE).map(done -> JSON.objectNode())),
                action("DescribeTags", DescribeTagsRequest::builder, DescribeTagsResponse::builder)
                        .accepts("Filters.Name", "Filters.Values", "MaxResults", "NextToken")
                        .handledBy(this::describe));
    }

    /** A taggable resource, and the service and path that own its tags. */
    private record Resource(String id, Service service, String path) {
    }

    /**
     * Every resource is checked (well-formed, the caller's) before any is changed, so a refused request changes
     * nothing; then each is tagged by the service that owns it.
     */
    private Future<Void> change(ActionCall call, HttpMethod method) {
        ObjectNode body;
        if (call.input().has("Tags")) {
            body = JSON.objectNode();
            body.set("Tags", call.input().get("Tags"));
        } else {
            body = null;
        }
        return owned(call).compose(resources -> {
            Future<Void> tagged = Future.succeededFuture();
            for (Resource resource : resources) {
                tagged = tagged.compose(ignored -> services.call(resource.service(), method, resource.path() + "/tags",
                        body, call.account()).mapEmpty());
            }
            return tagged;
        });
    }

    /**
     * The resources named, each checked in the order given (its form, then that it is the caller's: snapshots and
     * instances one call each, as they come; the images in one call at the end), one call after the other.
     */
    private Future<List<Resource>> owned(ActionCall call) {
        JsonNode ids = call.input().get("Resources");
        if (ids == null || ids.isEmpty()) {
            throw AwsError.missingParameter("ResourceId.N");
        }
        List<Resource> resources = new ArrayList<>();
        List<String> images = new ArrayList<>();
        Future<Void> checked = Future.succeededFuture();
        for (JsonNode resource : ids) {
            String id = resource.asText();
            checked = checked.compose(ignored -> {
                if (ResourceKind.IMAGE.isWellFormed(id)) {
                    images.add(id);
                    resources.add(new Resource(id, Service.REGISTRY, "/images/" + id));
                    return Future.succeededFuture();
                } else if (ResourceKind.SNAPSHOT.isWellFormed(id)) {
                    return services.call(Service.SNAPSHOT, HttpMethod.GET, "/snapshots" + ServiceQuery.of()
                            .add("SnapshotId", id).add("Owner", "self"), null, call.account()).map(answer -> {
                                if (answer.path("Snapshots").isEmpty()) {
                                    throw new AwsError(400, "InvalidSnapshot.NotFound", "The snapshot '" + id
                                            + "' does not exist.");
                                }
                                resources.add(new Resource(id, Service.SNAPSHOT, "/snapshots/" + id));
                                return null;
                            });
                } else if (ResourceKind.INSTANCE.isWellFormed(id)) {
                    // The launch-service shows an account its own instances only: another's is NotFound.
                    return services.call(Service.LAUNCH, HttpMethod.GET, "/instances" + ServiceQuery.of().add("InstanceId", id),
                            null, call.account()).map(answer -> {
                                resources.add(new Resource(id, Service.LAUNCH, "/instances/" + id));
                                return null;
                            });
                }
                throw new AwsError(400, "InvalidID", "The ID '" + id + "' is not valid");
            });
        }
        return checked.compose(ignored -> {
            if (images.isEmpty()) {
                return Future.succeededFuture(resources);
            }
            ServiceQuery query = ServiceQuery.of().add("Owner", "self");
            images.forEach(id -> query.add("ImageId", id));
            return services.call(Service.REGISTRY, HttpMethod.GET, "/images" + query, null, call.account()).map(answer -> {
                JsonNode found = answer.path("Images");
                for (String id : images) {
                    boolean mine = false;
                    for (JsonNode image : found) {
                        mine |= image.path("ImageId").asText().equals(id);
                    }
                    if (!mine) {
                        throw new AwsError(400, "InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist");
                    }
                }
                return resources;
            });
        });
    }

    private Future<ObjectNode> describe(ActionCall call) {
        Map<String, List<Pattern>> filters = new TreeMap<>();
        for (JsonNode filter : call.input().path("Filters")) {
            String name = filter.path("Name").asText();
            if (!FILTERS.contains(name)) {
                throw AwsError.invalidParameterValue("The filter '" + name + "' is invalid");
            }
            List<Pattern> values = filters.computeIfAbsent(name, n -> new ArrayList<>());
            filter.path("Values").forEach(v -> values.add(Pattern.compile(Wildcards.regex(v.asText()))));
        }
        int maxResults = call.input().path("MaxResults").asInt(1000);
        if (maxResults < 5 || maxResults > 1000) {
            throw AwsError.invalidParameterValue("MaxResults must be between 5 and 1000.");
        }
        String after = call.input().hasNonNull("NextToken") ? token(call.input().get("NextToken").asText()) : null;
        List<ObjectNode> tags = new ArrayList<>();
        // The images, then the snapshots, then the instances: each service once the one before it has answered.
        return images(call).compose(images -> {
            collect(tags, "image", images);
            return all(call, Service.SNAPSHOT, "/snapshots?Owner=self", "Snapshots");
        }).compose(snapshots -> {
            collect(tags, "snapshot", snapshots);
            return all(call, Service.LAUNCH, "/instances", "Reservations");
        }).map(reservations -> {
            List<JsonNode> instances = new ArrayList<>();
            for (JsonNode reservation : reservations) {
                reservation.path("Instances").forEach(instances::add);
            }
            collect(tags, "instance", instances);
            return page(tags, filters, maxResults, after);
        });
    }

    /** One page of the tags, sorted by resource and key, from the position after {@code after}. */
    private static ObjectNode page(List<ObjectNode> tags, Map<String, List<Pattern>> filters, int maxResults, String after) {
        tags.sort(Comparator.comparing((ObjectNode t) -> t.get("ResourceId").asText()).thenComparing(t -> t.get("Key").asText()));
        ObjectNode result = JSON.objectNode();
        ArrayNode page = result.putArray("Tags");
        for (ObjectNode tag : tags) {
            String position = tag.get("ResourceId").asText() + "\u0000" + tag.get("Key").asText();
            if (after != null && position.compareTo(after) <= 0 || !matches(tag, filters)) {
                continue;
            }
            if (page.size() == maxResults) {
                result.put("NextToken", Base64.getUrlEncoder().encodeToString(
                        page.get(page.size() - 1).get("ResourceId").asText().concat("\u0000")
                                .concat(page.get(page.size() - 1).get("Key").asText()).getBytes(StandardCharsets.UTF_8)));
                break;
            }
            page.add(tag);
        }
        return result;
    }

    private static boolean matches(ObjectNode tag, Map<String, List<Pattern>> filters) {
        for (Map.Entry<String, List<Pattern>> filter : filters.entrySet()) {
            String value = switch (filter.getKey()) {
                case "key" -> tag.get("Key").asText();
                case "value" -> tag.get("Value").asText();
                case "resource-id" -> tag.get("ResourceId").asText();
                default -> tag.get("ResourceType").asText();
            };
            if (filter.getValue().stream().noneMatch(p -> p.matcher(value).matches())) {
                return false;
            }
        }
        return true;
    }

    private static void collect(List<ObjectNode> tags, String type, List<JsonNode> resources) {
        String idMember = switch (type) {
            case "image" -> "ImageId";
            case "snapshot" -> "SnapshotId";
            default -> "InstanceId";
        };
        for (JsonNode resource : resources) {
            for (JsonNode tag : resource.path("Tags")) {
                tags.add(JSON.objectNode().put("ResourceId", resource.path(idMember).asText()).put("ResourceType", type)
                        .put("Key", tag.path("Key").asText()).put("Value", tag.path("Value").asText("")));
            }
        }
    }

    private Future<List<JsonNode>> images(ActionCall call) {
        return all(call, Service.REGISTRY, "/images?Owner=self&IncludeDeprecated=true", "Images");
    }

    /** Every page of a describe call of the caller's own resources, one page after the other. */
    private Future<List<JsonNode>> all(ActionCall call, Service service, String path, String member) {
        return pages(call, service, path, member, null, new ArrayList<>());
    }

    private Future<List<JsonNode>> pages(ActionCall call, Service service, String path, String member, String next,
            List<JsonNode> all) {
        String page = path + (path.contains("?") ? "&" : "?") + "MaxResults=1000"
                + (next == null ? "" : "&NextToken=" + java.net.URLEncoder.encode(next, StandardCharsets.UTF_8));
        return services.call(service, HttpMethod.GET, page, null, call.account()).compose(answer -> {
            answer.path(member).forEach(all::add);
            return answer.hasNonNull("NextToken")
                    ? pages(call, service, path, member, answer.get("NextToken").asText(), all)
                    : Future.succeededFuture(all);
        });
    }

    private static String token(String token) {
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw AwsError.invalidParameterValue("The NextToken is not valid.");
        }
    }
}
