package dev.imageregistry.registry.catalogue;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.imageregistry.registry.image.ImageEvent.BlockDeviceMapping;
import dev.imageregistry.registry.image.ImageEvent.StateReason;
import dev.imageregistry.registry.image.ImageEvent.Tag;

/** One image as DescribeImages shows it (the AWS CLI's field names). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageDescription(String imageId, String ownerId, String name, String description, String state,
        StateReason stateReason, String architecture, String imageType, String rootDeviceName, String rootDeviceType,
        List<BlockDeviceMapping> blockDeviceMappings, String bootMode, String virtualizationType, Boolean enaSupport,
        String imdsSupport, @JsonProperty("Public") boolean isPublic, Instant creationDate, Instant deprecationTime,
        List<Tag> tags, String sourceImageId, String sourceImageRegion, String deregistrationProtection,
        Instant lastLaunchedTime) {
}
