package dev.imageregistry.limits;

/**
 * EC2's classes of actions, each throttled by a bucket of its own: an account's flood of one leaves the others be.
 * {@code BLOCKS} is the EBS direct data plane (a snapshot's blocks, put and got by the thousand), which AWS limits
 * apart from EC2's control plane.
 */
public enum ActionClass {
    DESCRIBE, MUTATE, LAUNCH, BLOCKS;

    /** The class of an EC2 (or STS) action by its name. */
    public static ActionClass ofAction(String action) {
        if (action.equals("PutSnapshotBlock") || action.equals("GetSnapshotBlock")) {
            return BLOCKS;
        }
        if (action.startsWith("Describe") || action.startsWith("Get") || action.startsWith("List")) {
            return DESCRIBE;
        }
        return action.equals("RunInstances") ? LAUNCH : MUTATE;
    }

    /** The name used in configuration and metrics: {@code describe}, {@code mutate}, {@code launch}. */
    public String key() {
        return name().toLowerCase();
    }
}
