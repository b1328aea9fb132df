package dev.imageregistry.gateway.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.gateway.ec2.ActionCall;
import dev.imageregistry.gateway.services.RegionServices;
import dev.imageregistry.gateway.services.Service;
import dev.imageregistry.gateway.wire.AwsError;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/**
 * ModifyImageAttribute and DescribeImageAttribute in both of EC2's forms: the structured
 * {@code LaunchPermission.Add.N.UserId} and the older {@code Attribute=launchPermission&OperationType=add&UserId.N}
 * (boto3's resource API, Terraform), translated into the registry's one modification.
 */
final class ImageAttributes {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Every attribute EC2's DescribeImageAttribute names. */
    private static final String VALID = "description, kernel, ramdisk, launchPermission, productCodes, "
            + "blockDeviceMapping, sriovNetSupport, bootMode, tpmSupport, uefiData, lastLaunchedTime, imdsSupport, "
            + "deregistrationProtection";

    private ImageAttributes() {
    }

    static ObjectNode modification(ObjectNode input) {
        ObjectNode body = JSON.objectNode();
        String attribute = input.path("Attribute").asText(null);
        if (input.has("LaunchPermission")) {
            body.set("LaunchPermission", input.get("LaunchPermission"));
        }
        if (input.has("Description")) {
            body.set("Description", input.get("Description"));
        }
        boolean legacyLaunchPermission = input.has("UserIds") || input.has("UserGroups") || input.has("OperationType");
        if (attribute != null) {
            switch (attribute) {
                case "launchPermission" -> legacyLaunchPermission = true;
                case "description" -> {
                    if (!input.has("Value") && !input.has("Description")) {
                        throw AwsError.missingParameter("Value");
                    }
                    if (input.has("Value")) {
                        body.putObject("Description").put("Value", input.get("Value").asText());
                    }
                }
                default -> throw AwsError.invalidParameterValue("Value (" + shown(attribute)
                        + ") for parameter Attribute is invalid. Valid values: description, launchPermission");
            }
        } else if (input.has("Value")) {
            throw AwsError.missingParameter("Attribute");
        }
        if (legacyLaunchPermission) {
            if (body.has("LaunchPermission")) {
                throw new AwsError(400, "InvalidParameterCombination",
                        "LaunchPermission cannot be combined with OperationType, UserId.N or UserGroup.N.");
            }
            String operation = input.path("OperationType").asText(null);
            if (operation == null) {
                throw AwsError.missingParameter("OperationType");
            }
            if (!operation.equals("add") && !operation.equals("remove")) {
                throw AwsError.invalidParameterValue("Value (" + shown(operation)
                        + ") for parameter OperationType is invalid. Valid values: add, remove");
            }
            ArrayNode permissions = body.putObject("LaunchPermission").putArray(operation.equals("add") ? "Add" : "Remove");
            input.path("UserIds").forEach(user -> permissions.addObject().put("UserId", user.asText()));
            input.path("UserGroups").forEach(group -> permissions.addObject().put("Group", group.asText()));
            if (permissions.isEmpty()) {
                throw AwsError.missingParameter("UserId.N or UserGroup.N");
            }
        }
        if (body.isEmpty()) {
            throw AwsError.missingParameter("LaunchPermission, Description or Attribute");
        }
        return body;
    }

    static Future<ObjectNode> describe(ActionCall call, RegionServices services, ImageCatalogue catalogue) {
        String imageId = call.required("ImageId", "ImageId");
        String attribute = call.required("Attribute", "Attribute");
        ObjectNode answer = JSON.objectNode().put("ImageId", imageId);
        return switch (attribute) {
            case "description" -> services.call(Service.REGISTRY, HttpMethod.GET,
                    "/images/" + imageId + "/attributes/description", null, call.account())
                    .map(described -> with(answer, "Description", described.path("Description")));
            case "launchPermission" -> services.call(Service.REGISTRY, HttpMethod.GET,
                    "/images/" + imageId + "/attributes/launchPermission", null, call.account())
                    .map(described -> with(answer, "LaunchPermissions", described.path("LaunchPermissions")));
            case "blockDeviceMapping" -> catalogue.visibleImage(call.account(), imageId)
                    .map(image -> with(answer, "BlockDeviceMappings", catalogue.asEc2(image).path("BlockDeviceMappings")));
            case "bootMode", "lastLaunchedTime", "imdsSupport", "deregistrationProtection" -> {
                String member = Character.toUpperCase(attribute.charAt(0)) + attribute.substring(1);
                yield catalogue.visibleImage(call.account(), imageId).map(image -> {
                    JsonNode value = image.get(member);
                    if (value != null && !value.isNull()) {
                        answer.putObject(member).put("Value", value.asText());
                    }
                    return answer;
                });
            }
            // Attributes of paravirtual images, Marketplace products and NitroTPM/UEFI variables, which images
            // here never have: EC2 answers them without a value.
            case "kernel", "ramdisk", "productCodes", "sriovNetSupport", "tpmSupport", "uefiData" ->
                    catalogue.visibleImage(call.account(), imageId).map(image -> answer);
            default -> throw AwsError.invalidParameterValue("Value (" + shown(attribute)
                    + ") for parameter attribute is invalid. Valid values: " + VALID);
        };
    }

    private static ObjectNode with(ObjectNode answer, String member, JsonNode value) {
        answer.set(member, value);
        return answer;
    }

    static String shown(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "…" : value;
    }
}
