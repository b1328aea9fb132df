package dev.imageregistry.gateway.images;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.gateway.ec2.ActionCall;
import dev.imageregistry.gateway.services.RegionServices;
import dev.imageregistry.gateway.services.Service;
import dev.imageregistry.gateway.services.ServiceQuery;
import dev.imageregistry.gateway.wire.AwsError;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/**
 * DescribeImages through the registry, with what EC2 adds on top of the registry's JSON: owners and filters given as
 * account aliases become accounts, and each image shows its owner's alias.
 */
@ApplicationScoped
public class ImageCatalogue {
    private final RegionServices services;
    private final AccountAliases aliases;

    public ImageCatalogue(RegionServices services, AccountAliases aliases) {
        this.services = services;
        this.aliases = aliases;
    }

    Future<JsonNode> describe(ActionCall call) {
        ObjectNode input = call.input();
        ServiceQuery query = ServiceQuery.of().addNumbered("ImageId", input.get("ImageIds"));
        ArrayNode owners = JsonNodeFactory.instance.arrayNode();
        List<String> named = new ArrayList<>();
        input.path("Owners").forEach(owner -> named.add(owner.asText()));
        aliases.owners(named).forEach(owners::add);
        if (input.has("Owners") && owners.isEmpty()) {
            return Future.succeededFuture(empty());
        }
        query.addNumbered("Owner", owners).addNumbered("ExecutableBy", input.get("ExecutableUsers"));
        ArrayNode filters = JsonNodeFactory.instance.arrayNode();
        for (JsonNode filter : input.path("Filters")) {
            if ("owner-alias".equals(filter.path("Name").asText())) {
                List<String> patterns = new ArrayList<>();
                filter.path("Values").forEach(v -> patterns.add(v.asText()));
                List<String> accounts = aliases.accountsMatching(patterns);
                if (accounts.isEmpty()) {
                    return Future.succeededFuture(empty());
                }
                ObjectNode byOwner = filters.addObject().put("Name", "owner-id");
                accounts.forEach(byOwner.putArray("Values")::add);
            } else {
                filters.add(filter);
            }
        }
        query.addFilters(filters).add("IncludeDeprecated", input.get("IncludeDeprecated"))
                .add("IncludeDisabled", input.get("IncludeDisabled")).add("MaxResults", input.get("MaxResults"))
                .add("NextToken", input.get("NextToken"));
        return services.call(Service.REGISTRY, HttpMethod.GET, "/images" + query, null, call.account()).map(answer -> {
            ObjectNode result = JsonNodeFactory.instance.objectNode();
            ArrayNode images = result.putArray("Images");
            answer.path("Images").forEach(image -> images.add(asEc2(image)));
            if (answer.hasNonNull("NextToken")) {
                result.put("NextToken", answer.get("NextToken").asText());
            }
            return result;
        });
    }

    /**
     * The image as EC2 describes it (the registry's JSON, with the SDK model's member names where they differ). The
     * registry's tree is this request's own, parsed for it alone, so it is changed in place rather than copied.
     */
    ObjectNode asEc2(JsonNode image) {
        ObjectNode ec2 = (ObjectNode) image;
        if (ec2.has("Public")) {
            ec2.set("PublicLaunchPermissions", ec2.remove("Public"));
        }
        String alias = aliases.aliasOf(ec2.path("OwnerId").asText());
        if (alias != null) {
            ec2.put("ImageOwnerAlias", alias);
        }
        for (JsonNode mapping : ec2.path("BlockDeviceMappings")) {
            if (mapping.path("Ebs").isObject() && !mapping.path("Ebs").has("Encrypted")) {
                ((ObjectNode) mapping.get("Ebs")).put("Encrypted", false);
            }
        }
        return ec2;
    }

    /** The image if the caller may see it, else EC2's NotFound. */
    public Future<JsonNode> visibleImage(String account, String imageId) {
        return services.call(Service.REGISTRY, HttpMethod.GET, "/images" + ServiceQuery.of().add("ImageId", imageId),
                null, account).map(answer -> {
                    JsonNode images = answer.path("Images");
                    if (images.size() != 1) {
                        throw notFound(imageId);
                    }
                    return images.get(0);
                });
    }

    /** The image if the caller owns it, else the NotFound an owner's action would get. */
    Future<JsonNode> ownedImage(String account, String imageId) {
        return visibleImage(account, imageId).map(image -> {
            if (!account.equals(image.path("OwnerId").asText())) {
                throw notFound(imageId);
            }
            return image;
        });
    }

    static AwsError notFound(String imageId) {
        return new AwsError(400, "InvalidAMIID.NotFound", "The image id '[" + imageId + "]' does not exist");
    }

    private static JsonNode empty() {
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.putArray("Images");
        return result;
    }
}
