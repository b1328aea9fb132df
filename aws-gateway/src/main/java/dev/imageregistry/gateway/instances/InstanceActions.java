package dev.imageregistry.gateway.instances;

import static dev.imageregistry.gateway.ec2.Ec2Action.action;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.services.ec2.model.*;

import dev.imageregistry.gateway.ec2.ActionCall;
import dev.imageregistry.gateway.ec2.ActionFamily;
import dev.imageregistry.gateway.ec2.Ec2Action;
import dev.imageregistry.gateway.images.ImageCatalogue;
import dev.imageregistry.gateway.services.RegionServices;
import dev.imageregistry.gateway.services.Service;
import dev.imageregistry.gateway.services.ServiceQuery;
import dev.imageregistry.gateway.wire.AwsError;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/** Instances and the images they were launched from, answered by the Region's launch-service. */
@ApplicationScoped
public class InstanceActions implements ActionFamily {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RegionServices services;
    private final ImageCatalogue images;

    public InstanceActions(RegionServices services, ImageCatalogue images) {
        this.services = services;
        this.images = images;
    }

    @Override
    public List<Ec2Action> actions() {
        return List.of(
                action("RunInstances", RunInstancesRequest::builder, RunInstancesResponse::builder)
                        .accepts("ImageId", "MinCount", "MaxCount", "InstanceType", "ClientToken", "UserData",
                                "Placement.AvailabilityZone")
                        .acceptsTagSpecifications()
                        .dryRunChecks(this::launchable)
                        .handledBy(call -> {
                            ObjectNode body = call.input().deepCopy();
                            body.remove("DryRun");
                            JsonNode placement = body.remove("Placement");
                            if (placement != null) {
                                String zone = placement.path("AvailabilityZone").asText();
                                if (!zone.equals(call.caller().region() + "a")) {
                                    throw AwsError.invalidParameterValue("Invalid availability zone: [" + zone + "]");
                                }
                            }
                            return services.call(Service.LAUNCH, HttpMethod.POST, "/instances", body, call.account());
                        }),
                action("DescribeInstances", DescribeInstancesRequest::builder, DescribeInstancesResponse::builder)
                        .accepts("InstanceIds", "Filters.Name", "Filters.Values", "MaxResults", "NextToken")
                        .handledBy(call -> services.call(Service.LAUNCH, HttpMethod.GET, "/instances"
                                + ServiceQuery.describing(call.input(), "InstanceIds", "InstanceId"), null,
                                call.account())),
                stateChange("StopInstances", StopInstancesRequest::builder, StopInstancesResponse::builder, "stop"),
                stateChange("StartInstances", StartInstancesRequest::builder, StartInstancesResponse::builder, "start"),
                stateChange("TerminateInstances", TerminateInstancesRequest::builder,
                        TerminateInstancesResponse::builder, "terminate"),
                action("DescribeImageReferences", DescribeImageReferencesRequest::builder,
                        DescribeImageReferencesResponse::builder)
                        .accepts("ImageIds", "IncludeAllResourceTypes", "ResourceTypes")
                        .handledBy(this::references));
    }

    private Ec2Action stateChange(String name, java.util.function.Supplier<? extends software.amazon.awssdk.core.SdkPojo> request,
            java.util.function.Supplier<? extends software.amazon.awssdk.core.SdkPojo> answer, String verb) {
        return action(name, request, answer).accepts("InstanceIds")
                .dryRunChecks(this::describeOwn)
                .handledBy(call -> {
                    if (!call.input().has("InstanceIds")) {
                        throw AwsError.missingParameter("InstanceId");
                    }
                    ObjectNode body = JSON.objectNode();
                    body.set("InstanceIds", call.input().get("InstanceIds"));
                    return services.call(Service.LAUNCH, HttpMethod.POST, "/instances/" + verb, body, call.account());
                });
    }

    private Future<JsonNode> describeOwn(ActionCall call) {
        if (!call.input().has("InstanceIds")) {
            throw AwsError.missingParameter("InstanceId");
        }
        return services.call(Service.LAUNCH, HttpMethod.GET, "/instances" + ServiceQuery.of()
                .addRepeated("InstanceId", call.input().get("InstanceIds")), null, call.account());
    }

    /** A DryRun of RunInstances: the image must be one the caller may see and launch (state available). */
    private Future<JsonNode> launchable(ActionCall call) {
        String imageId = call.required("ImageId", "ImageId");
        return images.visibleImage(call.account(), imageId).map(image -> {
            if (!"available".equals(image.path("State").asText())) {
                throw new AwsError(400, "InvalidAMIID.Unavailable", "The image " + imageId + " is not available.");
            }
            return image;
        });
    }

    private Future<ObjectNode> references(ActionCall call) {
        if (!call.input().has("ImageIds")) {
            throw AwsError.missingParameter("ImageId.N");
        }
        for (JsonNode type : call.input().path("ResourceTypes")) {
            String resourceType = type.path("ResourceType").asText();
            if (!resourceType.equals("ec2:Instance")) {
                throw AwsError.unsupported("References from " + resourceType + " (only ec2:Instance here)");
            }
        }
        ObjectNode result = JSON.objectNode();
        ArrayNode references = result.putArray("ImageReferences");
        // One image after the other, as EC2 lists them: each call once the one before it has answered.
        Future<Void> all = Future.succeededFuture();
        for (JsonNode imageId : call.input().get("ImageIds")) {
            all = all.compose(ignored -> services.call(Service.LAUNCH, HttpMethod.GET, "/images/" + imageId.asText()
                    + "/references", null, call.account()).map(answer -> {
                        answer.path("ImageReferences").forEach(references::add);
                        return null;
                    }));
        }
        return all.map(ignored -> result);
    }
}
