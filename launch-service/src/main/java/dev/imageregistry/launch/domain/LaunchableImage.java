package dev.imageregistry.launch.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.domain.InstanceEvent.RootVolume;
import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * What the launch-service knows of one image, from its projection of the registry's and snapshot-service's events:
 * enough to decide a launch and build its root volume. It decides EC2's rules for who may launch it: the owner, an
 * account it is shared with, or anyone when it is public; a caller who may not see it is told it does not exist,
 * exactly as for an unknown ID, and only an available, enabled image with a root snapshot launches.
 *
 * @param launchPermissions the accounts the image is shared with, as far as they were looked up: the read model
 *        answers a launch with the caller's own grant only, not the whole list
 */
public record LaunchableImage(String imageId, String ownerId, String state, boolean disabled, boolean isPublic,
        Set<String> launchPermissions, String rootDeviceName, String rootSnapshotId, Integer rootVolumeSize,
        boolean deleteOnTermination, Instant deprecationTime, long version) {

    public static final String AVAILABLE = "available";
    public static final String PENDING = "pending";
    public static final String FAILED = "failed";
    public static final String DEREGISTERED = "deregistered";
    /** EC2's root device when an image names none. */
    static final String DEFAULT_ROOT_DEVICE = "/dev/xvda";
    /** The root volume's size (GiB) when the image's mapping gives none. */
    static final int DEFAULT_ROOT_VOLUME_SIZE = 8;

    public LaunchableImage {
        launchPermissions = Set.copyOf(launchPermissions);
    }

    /** The owner sees it, as does an account it is shared with, and anyone once it is public. */
    public boolean visibleTo(String account) {
        return ownerId.equals(account) || isPublic || launchPermissions.contains(account);
    }

    /** Available (not pending, failed or deregistered), not disabled, and with a snapshot to root a volume on. */
    public boolean launchable() {
        return AVAILABLE.equals(state) && !disabled && rootSnapshotId != null;
    }

    /** Whether a launch by {@code account} would pass the permission and state checks (what the benchmark polls). */
    public boolean mayBeLaunchedBy(String account) {
        return visibleTo(account) && launchable();
    }

    /**
     * RunInstances of this image by {@code account}: one InstanceLaunched per instance of one reservation, all
     * pending, or EC2's refusal. Deregistered or not visible: {@code InvalidAMIID.NotFound}; visible but pending (a
     * copy in progress), failed or disabled: {@code InvalidAMIID.Unavailable}. Deprecated images stay launchable.
     *
     * @param newId issues the reservation's, instances' and root volumes' IDs ({@link ResourceKind#next} in service)
     * @param at the launch time
     */
    public List<InstanceLaunched> launch(String account, Launch launch, Function<ResourceKind, String> newId,
            Instant at) {
        if (!visibleTo(account) || DEREGISTERED.equals(state)) {
            throw unknown(imageId);
        }
        if (!launchable()) {
            throw Ec2Exception.badRequest("InvalidAMIID.Unavailable", "The image id '[" + imageId
                    + "]' is no longer available" + (disabled ? " (disabled)" : " (" + state + ")"));
        }
        String reservationId = newId.apply(ResourceKind.RESERVATION);
        List<InstanceLaunched> launched = new ArrayList<>(launch.count());
        for (int index = 0; index < launch.count(); index++) {
            String instanceId = newId.apply(ResourceKind.INSTANCE);
            launched.add(new InstanceLaunched(instanceId, account, imageId, ownerId, launch.instanceType(),
                    reservationId, index, rootDeviceName == null ? DEFAULT_ROOT_DEVICE : rootDeviceName,
                    new RootVolume(newId.apply(ResourceKind.VOLUME), rootSnapshotId,
                            rootVolumeSize == null ? DEFAULT_ROOT_VOLUME_SIZE : rootVolumeSize),
                    deleteOnTermination, at, launch.tags().isEmpty() ? null : launch.tags()));
        }
        return launched;
    }

    /** An image this service has not heard of is refused as one the caller may not see. */
    public static Ec2Exception unknown(String imageId) {
        return Ec2Exception.notFound("InvalidAMIID.NotFound", "The image id '[" + imageId + "]' does not exist");
    }
}
