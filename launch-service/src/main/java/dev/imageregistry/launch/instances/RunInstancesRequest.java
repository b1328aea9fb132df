package dev.imageregistry.launch.instances;

import java.util.List;

/** RunInstances, in the AWS CLI's JSON shape (PascalCase on the wire). */
public record RunInstancesRequest(String imageId, Integer minCount, Integer maxCount, String instanceType,
        String clientToken, List<TagSpecification> tagSpecifications, String userData) {

    public record TagSpecification(String resourceType, List<InstanceDescription.Tag> tags) {
    }
}
