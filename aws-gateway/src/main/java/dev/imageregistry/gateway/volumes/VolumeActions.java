package dev.imageregistry.gateway.volumes;

import static dev.imageregistry.gateway.ec2.Ec2Action.action;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.services.ec2.model.*;

import dev.imageregistry.gateway.ec2.ActionCall;
import dev.imageregistry.gateway.ec2.ActionFamily;
import dev.imageregistry.gateway.ec2.Ec2Action;
import dev.imageregistry.gateway.services.RegionServices;
import dev.imageregistry.gateway.services.Service;
import dev.imageregistry.gateway.services.ServiceQuery;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/**
 * The instances' root volumes and the snapshots taken of them, answered by the Region's launch-service: it owns the
 * volumes' block maps, so it is the one that says what a snapshot of a volume holds at this moment.
 */
@ApplicationScoped
public class VolumeActions implements ActionFamily {
    private final RegionServices services;

    public VolumeActions(RegionServices services) {
        this.services = services;
    }

    @Override
    public List<Ec2Action> actions() {
        return List.of(
                action("DescribeVolumes", DescribeVolumesRequest::builder, DescribeVolumesResponse::builder)
                        .accepts("VolumeIds", "Filters.Name", "Filters.Values", "MaxResults", "NextToken")
                        .handledBy(call -> services.call(Service.LAUNCH, HttpMethod.GET, "/volumes"
                                + ServiceQuery.describing(call.input(), "VolumeIds", "VolumeId"), null, call.account())),
                action("CreateSnapshot", CreateSnapshotRequest::builder, CreateSnapshotResponse::builder)
                        .accepts("VolumeId", "Description")
                        .acceptsTagSpecifications()
                        .dryRunChecks(this::ownVolume)
                        .handledBy(call -> {
                            String volumeId = call.required("VolumeId", "VolumeId");
                            ObjectNode body = call.input().deepCopy();
                            body.remove("DryRun");
                            body.remove("VolumeId");
                            return services.call(Service.LAUNCH, HttpMethod.POST, "/volumes/" + volumeId
                                    + "/snapshots", body, call.account());
                        }));
    }

    /** A DryRun of CreateSnapshot: the volume must be one of the caller's (else InvalidVolume.NotFound). */
    private Future<JsonNode> ownVolume(ActionCall call) {
        return services.call(Service.LAUNCH, HttpMethod.GET, "/volumes" + ServiceQuery.of()
                .add("VolumeId", call.required("VolumeId", "VolumeId")), null, call.account());
    }
}
