package dev.imageregistry.gateway.services;

/** The services of a Region behind the gateway, each owning its actions. */
public enum Service {
    REGISTRY("registry-service"), SNAPSHOT("snapshot-service"), LAUNCH("launch-service"), REPLICATOR("region-replicator");

    private final String displayName;

    Service(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }
}
