package dev.imageregistry.launch.domain;

import java.util.List;

/**
 * RunInstances, in the AWS CLI's JSON shape (PascalCase on the wire), as the caller sent it: nothing is checked yet
 * ({@link Launch#of} applies EC2's rules). It is also what a client token remembers the parameters by.
 */
public record RunInstancesRequest(String imageId, Integer minCount, Integer maxCount, String instanceType,
        String clientToken, List<TagSpecification> tagSpecifications, String userData) {

    public record TagSpecification(String resourceType, List<InstanceEvent.Tag> tags) {
    }
}
