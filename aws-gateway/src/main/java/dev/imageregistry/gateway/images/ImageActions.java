package dev.imageregistry.gateway.images;

import static dev.imageregistry.gateway.ec2.Ec2Action.action;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.services.ec2.model.*;

import dev.imageregistry.gateway.ec2.ActionCall;
import dev.imageregistry.gateway.ec2.ActionFamily;
import dev.imageregistry.gateway.ec2.Ec2Action;
import dev.imageregistry.gateway.services.RegionServices;
import dev.imageregistry.gateway.services.Service;
import dev.imageregistry.gateway.services.ServiceQuery;
import dev.imageregistry.gateway.wire.AwsError;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/** The image actions, answered by the Region's registry-service. */
@ApplicationScoped
public class ImageActions implements ActionFamily {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RegionServices services;
    private final ImageCatalogue catalogue;

    public ImageActions(RegionServices services, ImageCatalogue catalogue) {
        this.services = services;
        this.catalogue = catalogue;
    }

    @Override
    public List<Ec2Action> actions() {
        return List.of(
                action("RegisterImage", RegisterImageRequest::builder, RegisterImageResponse::builder)
                        .accepts("Name", "Description", "Architecture", "RootDeviceName", "BootMode", "VirtualizationType",
                                "EnaSupport", "ImdsSupport", "SriovNetSupport", "ClientToken",
                                "BlockDeviceMappings.DeviceName", "BlockDeviceMappings.Ebs.SnapshotId",
                                "BlockDeviceMappings.Ebs.VolumeSize", "BlockDeviceMappings.Ebs.VolumeType",
                                "BlockDeviceMappings.Ebs.DeleteOnTermination", "BlockDeviceMappings.Ebs.Encrypted")
                        .acceptsTagSpecifications()
                        .handledBy(this::register),
                action("DescribeImages", DescribeImagesRequest::builder, DescribeImagesResponse::builder)
                        .accepts("ImageIds", "Owners", "ExecutableUsers", "IncludeDeprecated", "IncludeDisabled",
                                "MaxResults", "NextToken", "Filters.Name", "Filters.Values")
                        .handledBy(catalogue::describe),
                action("DeregisterImage", DeregisterImageRequest::builder, DeregisterImageResponse::builder)
                        .accepts("ImageId", "DeleteAssociatedSnapshots")
                        .dryRunChecks(this::owned)
                        .handledBy(call -> {
                            String imageId = call.required("ImageId", "ImageId");
                            return services.call(Service.REGISTRY, HttpMethod.DELETE, "/images/" + imageId
                                    + ServiceQuery.of().add("DeleteAssociatedSnapshots", call.input().get("DeleteAssociatedSnapshots")),
                                    null, call.account()).map(ImageActions::returned);
                        }),
                action("CreateImage", CreateImageRequest::builder, CreateImageResponse::builder)
                        .accepts("InstanceId", "Name", "Description", "NoReboot", "ClientToken",
                                "BlockDeviceMappings.DeviceName", "BlockDeviceMappings.Ebs.VolumeSize",
                                "BlockDeviceMappings.Ebs.VolumeType", "BlockDeviceMappings.Ebs.DeleteOnTermination",
                                "BlockDeviceMappings.Ebs.Encrypted")
                        .acceptsTagSpecifications()
                        .dryRunChecks(call -> {
                            call.required("InstanceId", "InstanceId");
                            call.required("Name", "Name");
                            return Future.succeededFuture();
                        })
                        .handledBy(this::createImage),
                action("CopyImage", CopyImageRequest::builder, CopyImageResponse::builder)
                        .accepts("SourceRegion", "SourceImageId", "Name", "Description", "CopyImageTags", "ClientToken",
                                "Encrypted")
                        .dryRunChecks(call -> {
                            call.required("SourceRegion", "SourceRegion");
                            call.required("SourceImageId", "SourceImageId");
                            call.required("Name", "Name");
                            return Future.succeededFuture();
                        })
                        .handledBy(call -> {
                            refuseEncryption(call.input());
                            ObjectNode body = call.input().deepCopy();
                            body.remove("Encrypted");
                            return services.call(Service.REGISTRY, HttpMethod.POST, "/images/copy", body, call.account());
                        }),
                action("ModifyImageAttribute", ModifyImageAttributeRequest::builder, ModifyImageAttributeResponse::builder)
                        .accepts("ImageId", "Attribute", "OperationType", "UserIds", "UserGroups", "Value",
                                "Description.Value", "LaunchPermission.Add.UserId", "LaunchPermission.Add.Group",
                                "LaunchPermission.Remove.UserId", "LaunchPermission.Remove.Group")
                        .dryRunChecks(this::owned)
                        .handledBy(call -> {
                            String imageId = call.required("ImageId", "ImageId");
                            return services.call(Service.REGISTRY, HttpMethod.POST, "/images/" + imageId + "/attributes",
                                    ImageAttributes.modification(call.input()), call.account()).map(answer -> JSON.objectNode());
                        }),
                action("DescribeImageAttribute", DescribeImageAttributeRequest::builder,
                        DescribeImageAttributeResponse::builder)
                        .accepts("ImageId", "Attribute")
                        .handledBy(call -> ImageAttributes.describe(call, services, catalogue)),
                action("ResetImageAttribute", ResetImageAttributeRequest::builder, ResetImageAttributeResponse::builder)
                        .accepts("ImageId", "Attribute")
                        .dryRunChecks(this::owned)
                        .handledBy(call -> {
                            String imageId = call.required("ImageId", "ImageId");
                            String attribute = call.required("Attribute", "Attribute");
                            if (!attribute.equals("launchPermission")) {
                                throw AwsError.invalidParameterValue("Value (" + ImageAttributes.shown(attribute)
                                        + ") for parameter Attribute is invalid. Valid values: launchPermission");
                            }
                            return services.call(Service.REGISTRY, HttpMethod.POST, "/images/" + imageId
                                    + "/attributes/launch-permission/reset", null, call.account()).map(answer -> JSON.objectNode());
                        }),
                simple("EnableImageDeprecation", EnableImageDeprecationRequest::builder,
                        EnableImageDeprecationResponse::builder, HttpMethod.PUT, "/deprecation", "DeprecateAt"),
                simple("DisableImageDeprecation", DisableImageDeprecationRequest::builder,
                        DisableImageDeprecationResponse::builder, HttpMethod.DELETE, "/deprecation"),
                simple("DisableImage", DisableImageRequest::builder, DisableImageResponse::builder, HttpMethod.POST,
                        "/disable"),
                simple("EnableImage", EnableImageRequest::builder, EnableImageResponse::builder, HttpMethod.POST,
                        "/enable"),
                simple("EnableImageDeregistrationProtection", EnableImageDeregistrationProtectionRequest::builder,
                        EnableImageDeregistrationProtectionResponse::builder, HttpMethod.PUT,
                        "/deregistration-protection", "WithCooldown"),
                simple("DisableImageDeregistrationProtection", DisableImageDeregistrationProtectionRequest::builder,
                        DisableImageDeregistrationProtectionResponse::builder, HttpMethod.DELETE,
                        "/deregistration-protection"));
    }

    /**
     * An owner's action on one image that the registry answers with {@code Return}: a path under the image, and the
     * members (besides {@code ImageId}) that go in the body as they are.
     */
    private Ec2Action simple(String name, java.util.function.Supplier<? extends software.amazon.awssdk.core.SdkPojo> request,
            java.util.function.Supplier<? extends software.amazon.awssdk.core.SdkPojo> answer, HttpMethod method,
            String path, String... bodyMembers) {
        List<String> accepted = new ArrayList<>(List.of("ImageId"));
        accepted.addAll(List.of(bodyMembers));
        return action(name, request, answer).accepts(accepted.toArray(String[]::new)).dryRunChecks(this::owned)
                .handledBy(call -> {
                    String imageId = call.required("ImageId", "ImageId");
                    ObjectNode body = null;
                    if (bodyMembers.length > 0) {
                        body = JSON.objectNode();
                        for (String member : bodyMembers) {
                            if (call.input().has(member)) {
                                body.set(member, call.input().get(member));
                            }
                        }
                    }
                    return services.call(Service.REGISTRY, method, "/images/" + imageId + path, body, call.account())
                            .map(ImageActions::returned);
                });
    }

    /** EC2's {@code Return} of an owner's action, as the registry answered it (true when it says nothing). */
    private static JsonNode returned(JsonNode answer) {
        return JSON.objectNode().put("Return", answer.path("Return").asBoolean(true));
    }

    private Future<ObjectNode> register(ActionCall call) {
        ObjectNode body = call.input().deepCopy();
        body.remove("DryRun");
        String sriov = call.text("SriovNetSupport");
        if (sriov != null && !sriov.equals("simple")) {
            throw AwsError.invalidParameterValue("Value (" + ImageAttributes.shown(sriov)
                    + ") for parameter SriovNetSupport is invalid. Valid values: simple");
        }
        body.remove("SriovNetSupport");
        withoutEncryption(body);
        return services.call(Service.REGISTRY, HttpMethod.POST, "/images", body, call.account())
                .map(answer -> JSON.objectNode().put("ImageId", answer.path("ImageId").asText()));
    }

    /**
     * CreateImage: the registry decides (the instance, its state, the name) and answers the pending image's ID; the
     * image is available once the root volume's snapshot completes (milliseconds: no block is copied).
     */
    private Future<ObjectNode> createImage(ActionCall call) {
        ObjectNode body = call.input().deepCopy();
        body.remove("DryRun");
        withoutEncryption(body);
        return services.call(Service.REGISTRY, HttpMethod.POST, "/images/from-instance", body, call.account())
                .map(answer -> JSON.objectNode().put("ImageId", answer.path("ImageId").asText()));
    }

    /** Encrypted volumes do not exist here: refused when asked for, and the member dropped when it says false. */
    private static void withoutEncryption(ObjectNode body) {
        for (JsonNode mapping : body.path("BlockDeviceMappings")) {
            JsonNode ebs = mapping.path("Ebs");
            if (ebs.path("Encrypted").asBoolean(false)) {
                throw AwsError.unsupported("Encrypted snapshots (BlockDeviceMapping.N.Ebs.Encrypted=true)");
            }
            if (ebs.isObject()) {
                ((ObjectNode) ebs).remove("Encrypted");
            }
        }
    }

    private static void refuseEncryption(JsonNode input) {
        if (input.path("Encrypted").asBoolean(false)) {
            throw AwsError.unsupported("Encrypted copies (Encrypted=true)");
        }
    }

    /** A DryRun of an owner's action: the image must be the caller's (else the same NotFound the action would get). */
    private Future<JsonNode> owned(ActionCall call) {
        return catalogue.ownedImage(call.account(), call.required("ImageId", "ImageId"));
    }

}
