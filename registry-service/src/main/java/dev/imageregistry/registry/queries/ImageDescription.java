package dev.imageregistry.registry.queries;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.imageregistry.registry.domain.ImageEvent.StateReason;
import dev.imageregistry.registry.domain.ImageEvent.Tag;

/**
 * One image as DescribeImages shows it: the EC2 model's member names (the AWS CLI's), including the members EC2
 * returns for every EBS-backed Linux image ({@code ImageLocation}, {@code ImageType}, {@code Hypervisor},
 * {@code PlatformDetails}, {@code UsageOperation}, {@code RootDeviceType}). Times are EC2's text
 * ({@link Ec2Time}: UTC, milliseconds, {@code Z}). {@code Platform} is absent, as EC2 leaves it for Linux.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageDescription(String imageId, String imageLocation, String ownerId, String name, String description,
        String state, StateReason stateReason, String architecture, String imageType, String hypervisor,
        String platformDetails, String usageOperation, String rootDeviceName, String rootDeviceType,
        List<Mapping> blockDeviceMappings, String bootMode, String virtualizationType, Boolean enaSupport,
        String imdsSupport, @JsonProperty("Public") boolean isPublic, String creationDate, String deprecationTime,
        List<Tag> tags, String sourceImageId, String sourceImageRegion, String deregistrationProtection,
        String lastLaunchedTime, String sourceInstanceId) {

    /** What EC2 answers for every image here: EBS-backed Linux/UNIX machine images on Xen, unencrypted volumes. */
    public static final String IMAGE_TYPE = "machine";
    public static final String HYPERVISOR = "xen";
    public static final String PLATFORM_DETAILS = "Linux/UNIX";
    public static final String USAGE_OPERATION = "RunInstances";
    public static final String ROOT_DEVICE_TYPE = "ebs";

    /** EC2's ImageLocation of an image registered from snapshots (or copied): {@code <owner ID>/<image name>}. */
    public static String imageLocation(String ownerId, String name) {
        return ownerId + "/" + name;
    }

    /** A block device mapping as DescribeImages shows it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Mapping(String deviceName, Ebs ebs) {
    }

    /** An EBS mapping; {@code Encrypted} is always false (the registry has no encrypted snapshots). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Ebs(String snapshotId, Integer volumeSize, String volumeType, Boolean deleteOnTermination,
            Boolean encrypted) {
    }
}
