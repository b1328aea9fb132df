package dev.imageregistry.gateway.snapshots;

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
import dev.imageregistry.gateway.images.AccountAliases;
import dev.imageregistry.gateway.services.RegionServices;
import dev.imageregistry.gateway.services.Service;
import dev.imageregistry.gateway.services.ServiceQuery;
import dev.imageregistry.gateway.wire.AwsError;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;

/** Snapshots, answered by the Region's snapshot-service. */
@ApplicationScoped
public class SnapshotActions implements ActionFamily {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RegionServices services;
    private final AccountAliases aliases;

    public SnapshotActions(RegionServices services, AccountAliases aliases) {
        this.services = services;
        this.aliases = aliases;
    }

    @Override
    public List<Ec2Action> actions() {
        return List.of(
                action("DescribeSnapshots", DescribeSnapshotsRequest::builder, DescribeSnapshotsResponse::builder)
                        .accepts("SnapshotIds", "OwnerIds", "Filters.Name", "Filters.Values", "MaxResults", "NextToken")
                        .handledBy(call -> {
                            List<String> named = new java.util.ArrayList<>();
                            call.input().path("OwnerIds").forEach(owner -> named.add(owner.asText()));
                            ArrayNode owners = JSON.arrayNode();
                            aliases.owners(named).forEach(owners::add);
                            if (call.input().has("OwnerIds") && owners.isEmpty()) {
                                ObjectNode none = JSON.objectNode();
                                none.putArray("Snapshots");
                                return Future.succeededFuture(none);
                            }
                            return services.call(Service.SNAPSHOT, HttpMethod.GET, "/snapshots" + ServiceQuery
                                    .describing(call.input(), "SnapshotIds", "SnapshotId").addRepeated("Owner", owners),
                                    null, call.account()).map(answer -> {
                                        ObjectNode result = JSON.objectNode();
                                        ArrayNode snapshots = result.putArray("Snapshots");
                                        answer.path("Snapshots").forEach(snapshot -> snapshots.add(asEc2(snapshot,
                                                aliases.aliasOf(snapshot.path("OwnerId").asText()))));
                                        if (answer.hasNonNull("NextToken")) {
                                            result.put("NextToken", answer.get("NextToken").asText());
                                        }
                                        return result;
                                    });
                        }),
                action("CopySnapshot", CopySnapshotRequest::builder, CopySnapshotResponse::builder)
                        .accepts("SourceRegion", "SourceSnapshotId", "Description", "DestinationRegion", "PresignedUrl",
                                "Encrypted")
                        .acceptsTagSpecifications()
                        .dryRunChecks(call -> {
                            copyRequest(call);
                            return Future.succeededFuture();
                        })
                        .handledBy(call -> services.call(Service.SNAPSHOT, HttpMethod.POST, "/snapshots/copy",
                                copyRequest(call), call.account())),
                action("DeleteSnapshot", DeleteSnapshotRequest::builder, DeleteSnapshotResponse::builder)
                        .accepts("SnapshotId")
                        .dryRunChecks(call -> services.call(Service.SNAPSHOT, HttpMethod.GET, "/snapshots"
                                + ServiceQuery.of().add("SnapshotId", call.required("SnapshotId", "SnapshotId"))
                                        .add("Owner", "self"), null, call.account()))
                        .handledBy(call -> services.call(Service.SNAPSHOT, HttpMethod.DELETE, "/snapshots/"
                                + call.required("SnapshotId", "SnapshotId"), null, call.account())
                                .map(answer -> JSON.objectNode())));
    }

    /**
     * CopySnapshot's request as the snapshot-service takes it. The AWS CLI and the SDKs add a {@code PresignedUrl}
     * (a signed CopySnapshot for the source Region, AWS's proof that the caller may read the source there) and the
     * {@code DestinationRegion}: here the destination's replicator reads the source Region's stream and bucket with
     * its own credentials and checks the caller owns the source snapshot, so the URL is not needed and is dropped.
     */
    private static ObjectNode copyRequest(ActionCall call) {
        call.required("SourceRegion", "SourceRegion");
        call.required("SourceSnapshotId", "SourceSnapshotId");
        String destination = call.text("DestinationRegion");
        if (destination != null && !destination.equals(call.caller().region())) {
            throw AwsError.invalidParameterValue("The destination Region " + destination
                    + " is not the Region asked (" + call.caller().region() + ").");
        }
        if (call.input().path("Encrypted").asBoolean(false)) {
            throw AwsError.unsupported("Encrypted snapshots (Encrypted=true)");
        }
        ObjectNode body = call.input().deepCopy();
        body.remove(List.of("DryRun", "DestinationRegion", "PresignedUrl", "Encrypted"));
        return body;
    }

    /**
     * A snapshot as EC2 describes it: the snapshot-service's {@code Status} is the model's {@code State}; a snapshot
     * that was uploaded or copied, not taken from a volume here, has EC2's placeholder volume {@code vol-ffffffff}, and
     * a pending copy shows the replicator's progress.
     */
    static ObjectNode asEc2(JsonNode snapshot, String ownerAlias) {
        ObjectNode ec2 = snapshot.deepCopy();
        if (ownerAlias != null) {
            ec2.put("OwnerAlias", ownerAlias);
        }
        if (ec2.has("Status")) {
            ec2.set("State", ec2.remove("Status"));
        }
        String state = ec2.path("State").asText();
        if (state.equals("completed") || !ec2.hasNonNull("Progress")) {
            ec2.put("Progress", state.equals("completed") ? "100%" : state.equals("pending") ? "0%" : "");
        }
        if (!ec2.hasNonNull("VolumeId")) {
            ec2.put("VolumeId", "vol-ffffffff");
        }
        ec2.put("Encrypted", false);
        ec2.put("StorageTier", "standard");
        return ec2;
    }
}
