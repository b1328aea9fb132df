package dev.imageregistry.launch.persistence;

import java.time.Instant;
import java.util.List;

import dev.imageregistry.launch.domain.InstanceEvent.StateReason;
import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.launch.domain.InstanceState;

/** One row of the instance table with its tags (in key order): an instance's current state, as queries read it. */
public record InstanceRow(String instanceId, String ownerId, String reservationId, String imageId,
        String instanceType, int amiLaunchIndex, InstanceState state, StateReason stateReason, Instant launchTime,
        String rootDeviceName, String rootVolumeId, String rootSnapshotId, int rootVolumeSize,
        boolean deleteOnTermination, List<Tag> tags) {
}
