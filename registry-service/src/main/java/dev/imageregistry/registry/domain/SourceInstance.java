package dev.imageregistry.registry.domain;

/**
 * What the registry knows of an instance, from the launch-service's instance-events, when an image of it is asked
 * for: its owner, its state, the image it was launched from and its root volume (null until the volume exists).
 */
public record SourceInstance(String instanceId, String ownerId, String state, String imageId, String volumeId,
        Integer volumeSize) {

    /** EC2 images an instance that is running or stopped (and one on its way between the two). */
    public boolean imageable() {
        return volumeId != null && switch (state) {
            case "running", "stopping", "stopped" -> true;
            default -> false;
        };
    }
}
