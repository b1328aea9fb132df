package dev.imageregistry.launch.domain;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.tags.TagRules;

/**
 * RunInstances' parameters once EC2's rules for them hold: the image, how many instances (as many as allowed
 * between MinCount and MaxCount), their type, their tags and the user data. Whether the caller may launch the
 * image is the image's to decide ({@link LaunchableImage#launch}).
 */
public record Launch(String imageId, int count, String instanceType, List<Tag> tags, String userData) {
    /** EC2's limit on user data: 16 KiB before base64 encoding. */
    public static final int USER_DATA_MAX_BYTES = 16 * 1024;
    static final Pattern INSTANCE_TYPE = Pattern
            .compile("[a-z][a-z0-9-]*[0-9][a-z0-9-]*\\.(nano|micro|small|medium|large|xlarge|[0-9]{1,2}xlarge|metal)");
    static final String DEFAULT_INSTANCE_TYPE = "m1.small";

    public Launch {
        tags = List.copyOf(tags);
    }

    /**
     * @param maxInstances how many instances one RunInstances may launch ({@code launch.max-instances-per-request}):
     *        MinCount above it is refused, MaxCount above it launches that many, as EC2 launches as many as it can
     */
    public static Launch of(RunInstancesRequest request, int maxInstances) {
        if (request == null || request.imageId() == null || request.imageId().isEmpty()) {
            throw Ec2Exception.missingParameter("ImageId");
        }
        Ec2Exception.requireWellFormed(ResourceKind.IMAGE, request.imageId());
        int minCount = request.minCount() == null ? 1 : request.minCount();
        int maxCount = request.maxCount() == null ? minCount : request.maxCount();
        if (minCount < 1) {
            throw Ec2Exception.invalidParameter("Invalid value '" + minCount + "' for MinCount. It must be at least 1.");
        }
        if (maxCount < minCount) {
            throw Ec2Exception.invalidParameter("Invalid value '" + maxCount
                    + "' for MaxCount. It must be at least MinCount (" + minCount + ").");
        }
        if (minCount > maxInstances) {
            throw Ec2Exception.badRequest("InstanceLimitExceeded", "You have requested more instances ("
                    + minCount + ") than your current instance limit of " + maxInstances + " allows.");
        }
        String instanceType = request.instanceType() == null ? DEFAULT_INSTANCE_TYPE : request.instanceType();
        if (!INSTANCE_TYPE.matcher(instanceType).matches()) {
            throw Ec2Exception.invalidParameter("Invalid value '" + abbreviate(instanceType) + "' for InstanceType.");
        }
        List<Tag> tags = tags(request.tagSpecifications());
        String userData = userData(request.userData());
        return new Launch(request.imageId(), Math.min(maxCount, maxInstances), instanceType, tags, userData);
    }

    /** The instance tags of TagSpecifications (volume tags are accepted, as on EC2, but volumes are not described). */
    private static List<Tag> tags(List<RunInstancesRequest.TagSpecification> specifications) {
        List<Tag> tags = new ArrayList<>();
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
                continue;
            }
            for (Tag tag : specification.tags()) {
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
                tags.add(new Tag(tag.key(), value));
            }
        }
        if (tags.size() > TagRules.MAX_TAGS) {
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
