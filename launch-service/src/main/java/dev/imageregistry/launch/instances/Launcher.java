package dev.imageregistry.launch.instances;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.imageregistry.launch.images.LaunchableImage;
import dev.imageregistry.launch.images.LaunchableImages;
import dev.imageregistry.launch.instances.InstanceDescription.Reservation;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.instances.InstanceEvent.RootVolume;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.idempotency.ClientTokens;
import dev.imageregistry.platform.outbox.EventStore;

/**
 * RunInstances: validates the request as EC2 does, decides from the launchable-images read model whether the
 * caller may launch the image, and records one InstanceLaunched per instance. Instances start pending; the
 * transition worker creates their root volumes and moves them to running.
 */
@ApplicationScoped
public class Launcher {
    /** EC2's limit on user data: 16 KiB before base64 encoding. */
    public static final int USER_DATA_MAX_BYTES = 16 * 1024;
    static final Pattern INSTANCE_TYPE = Pattern
            .compile("[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.(nano|micro|small|medium|large|xlarge|[0-9]{1,2}xlarge|metal)");
    private static final String DEFAULT_INSTANCE_TYPE = "m1.small";

    private final LaunchableImages images;
    private final EventStore events;
    private final InstanceRecords records;
    private final ClientTokens clientTokens;
    private final int maxInstancesPerLaunch;
    private final Event<TransitionWorker.TransitionQueued> queued;

    public Launcher(LaunchableImages images, EventStore events, InstanceRecords records, ClientTokens clientTokens,
            @ConfigProperty(name = "launch.max-instances-per-request", defaultValue = "20") int maxInstancesPerLaunch,
            Event<TransitionWorker.TransitionQueued> queued) {
        this.queued = queued;
        this.images = images;
        this.events = events;
        this.records = records;
        this.clientTokens = clientTokens;
        this.maxInstancesPerLaunch = maxInstancesPerLaunch;
    }

    @Transactional
    public Reservation run(String account, RunInstancesRequest request) {
        if (request == null) {
            throw Ec2Exception.missingParameter("ImageId");
        }
        LaunchableImages.requireWellFormed(request.imageId());
        int minCount = request.minCount() == null ? 1 : request.minCount();
        int maxCount = request.maxCount() == null ? minCount : request.maxCount();
        if (minCount < 1) {
            throw Ec2Exception.invalidParameter("Invalid value '" + minCount + "' for MinCount. It must be at least 1.");
        }
        if (maxCount < minCount) {
            throw Ec2Exception.invalidParameter("Invalid value '" + maxCount
                    + "' for MaxCount. It must be at least MinCount (" + minCount + ").");
        }
        if (minCount > maxInstancesPerLaunch) {
            throw Ec2Exception.badRequest("InstanceLimitExceeded", "You have requested more instances ("
                    + minCount + ") than your current instance limit of " + maxInstancesPerLaunch + " allows.");
        }
        String instanceType = request.instanceType() == null ? DEFAULT_INSTANCE_TYPE : request.instanceType();
        if (!INSTANCE_TYPE.matcher(instanceType).matches()) {
            throw Ec2Exception.invalidParameter("Invalid value '" + abbreviate(instanceType) + "' for InstanceType.");
        }
        List<InstanceEvent.Tag> tags = tags(request.tagSpecifications());
        String userData = userData(request.userData());
        // As on EC2: launch as many as allowed between MinCount and MaxCount.
        int count = Math.min(maxCount, maxInstancesPerLaunch);
        return clientTokens.once(account, "RunInstances", request.clientToken(), request, Reservation.class,
                () -> launch(account, request.imageId(), instanceType, count, tags, userData));
    }

    private Reservation launch(String account, String imageId, String instanceType, int count,
            List<InstanceEvent.Tag> tags, String userData) {
        LaunchableImage image = images.forLaunch(account, imageId);
        String reservationId = ResourceIds.next("r");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<String> ids = new ArrayList<>(count);
        for (int index = 0; index < count; index++) {
            String instanceId = ResourceIds.next("i");
            InstanceLaunched launched = new InstanceLaunched(instanceId, account, image.imageId(), image.ownerId(),
                    instanceType, reservationId, index, image.rootDeviceName() == null ? "/dev/xvda" : image.rootDeviceName(),
                    new RootVolume(ResourceIds.next("vol"), image.rootSnapshotId(),
                            image.rootVolumeSize() == null ? 8 : image.rootVolumeSize()),
                    image.deleteOnTermination(), now, tags.isEmpty() ? null : tags);
            long version = events.append(instanceId, 0, List.of(launched)).get(0).aggregateversion();
            records.launched(launched, version, userData);
            ids.add(instanceId);
        }
        queued.fire(new TransitionWorker.TransitionQueued());
        return new Reservation(reservationId, account, records.describe(ids));
    }

    private static List<InstanceEvent.Tag> tags(List<RunInstancesRequest.TagSpecification> specifications) {
        List<InstanceEvent.Tag> tags = new ArrayList<>();
        if (specifications == null) {
            return tags;
        }
        Set<String> keys = new HashSet<>();
        for (RunInstancesRequest.TagSpecification specification : specifications) {
            if (specification == null || specification.resourceType() == null) {
                throw Ec2Exception.missingParameter("TagSpecification.ResourceType");
            }
            if (!List.of("instance", "volume").contains(specification.resourceType())) {
                throw Ec2Exception.invalidParameter("'" + abbreviate(specification.resourceType())
                        + "' is not a valid taggable resource type for this operation.");
            }
            if (!"instance".equals(specification.resourceType()) || specification.tags() == null) {
                continue; // volume tags are accepted, as on EC2, but volumes are not described here
            }
            for (InstanceDescription.Tag tag : specification.tags()) {
                if (tag == null || tag.key() == null || tag.key().isEmpty() || tag.key().length() > 128) {
                    throw Ec2Exception.invalidParameter("Tag keys must be 1 to 128 characters.");
                }
                if (tag.key().startsWith("aws:")) {
                    throw Ec2Exception.invalidParameter("Tag keys starting with 'aws:' are reserved for internal use.");
                }
                String value = tag.value() == null ? "" : tag.value();
                if (value.length() > 256) {
                    throw Ec2Exception.invalidParameter("Tag values may be at most 256 characters.");
                }
                if (!keys.add(tag.key())) {
                    throw Ec2Exception.invalidParameter("Duplicate tag key '" + abbreviate(tag.key()) + "'.");
                }
                tags.add(new InstanceEvent.Tag(tag.key(), value));
            }
        }
        if (tags.size() > 50) {
            throw Ec2Exception.invalidParameter("An instance can have at most 50 tags.");
        }
        return tags;
    }

    private static String userData(String userData) {
        if (userData == null) {
            return null;
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(userData.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw Ec2Exception.invalidParameter("Invalid BASE64 encoding of user data.");
        }
        if (raw.length > USER_DATA_MAX_BYTES) {
            throw Ec2Exception.invalidParameter("User data is limited to 16384 bytes (before base64 encoding).");
        }
        return userData;
    }

    private static String abbreviate(String value) {
        return value.length() > 64 ? value.substring(0, 64) + "..." : value;
    }
}
