package dev.imageregistry.launch.queries;

import java.time.Instant;
import java.util.List;

import dev.imageregistry.launch.domain.InstanceState;
import dev.imageregistry.launch.persistence.InstanceRow;

/** One instance as DescribeInstances and RunInstances show it (EC2's Instance structure, PascalCase). */
public record InstanceDescription(String instanceId, String imageId, String instanceType, State state,
        StateReason stateReason, Instant launchTime, int amiLaunchIndex, String rootDeviceName,
        String rootDeviceType, List<BlockDeviceMapping> blockDeviceMappings, Placement placement, List<Tag> tags,
        String reservationId, String ownerId) {

    /** The instance's row as EC2 describes it: its root EBS volume, detached once it is terminated. */
    static InstanceDescription of(InstanceRow row, String availabilityZone) {
        String volumeStatus = row.state() == InstanceState.TERMINATED ? "detached" : "attached";
        return new InstanceDescription(row.instanceId(), row.imageId(), row.instanceType(), State.of(row.state()),
                row.stateReason() == null ? null
                        : new StateReason(row.stateReason().code(), row.stateReason().message()),
                row.launchTime(), row.amiLaunchIndex(), row.rootDeviceName(), "ebs",
                List.of(new BlockDeviceMapping(row.rootDeviceName(), new Ebs(row.rootVolumeId(), row.rootSnapshotId(),
                        row.rootVolumeSize(), volumeStatus, row.deleteOnTermination()))),
                new Placement(availabilityZone), row.tags().stream().map(tag -> new Tag(tag.key(), tag.value())).toList(),
                row.reservationId(), row.ownerId());
    }

    public record State(int code, String name) {
        public static State of(InstanceState state) {
            return new State(state.code(), state.wire());
        }
    }

    public record StateReason(String code, String message) {
    }

    public record Tag(String key, String value) {
    }

    public record Placement(String availabilityZone) {
    }

    public record BlockDeviceMapping(String deviceName, Ebs ebs) {
    }

    public record Ebs(String volumeId, String snapshotId, int volumeSize, String status, boolean deleteOnTermination) {
    }

    /** EC2's RunInstances answer: the reservation with the instances it launched. */
    public record Reservation(String reservationId, String ownerId, List<InstanceDescription> instances) {
    }

    public record DescribeInstancesResult(List<Reservation> reservations, String nextToken) {
    }

    /** One element of StoppingInstances / StartingInstances / TerminatingInstances. */
    public record StateChange(String instanceId, State currentState, State previousState) {
    }

    public record InstanceIdsRequest(List<String> instanceIds) {
    }

    public record StoppingInstances(List<StateChange> stoppingInstances) {
    }

    public record StartingInstances(List<StateChange> startingInstances) {
    }

    public record TerminatingInstances(List<StateChange> terminatingInstances) {
    }

    public record ImageReference(String imageId, String resourceType, String arn) {
    }

    public record ImageReferences(List<ImageReference> imageReferences) {
    }
}
