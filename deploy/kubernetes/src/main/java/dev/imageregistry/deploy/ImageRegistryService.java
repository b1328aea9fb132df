package dev.imageregistry.deploy;

import java.util.List;

/**
 * The four services of a Region and what each needs from the Region's infrastructure. The topics a
 * service reads and writes are in docs/architecture.md; here only what the manifests depend on.
 */
public record ImageRegistryService(String name, int port, String database, boolean storesBlocks,
                                   boolean publicApi, Sizing sizing) {

    /** Requests are what one replica needs at steady load; limits leave room for bursts of blocks or replays. */
    public record Sizing(String cpuRequest, String cpuLimit, String memory, int minReplicas, int maxReplicas) {}

    public static final List<ImageRegistryService> ALL = List.of(
            new ImageRegistryService("registry-service", 8081, "registry", false, true,
                    new Sizing("250m", "1", "768Mi", 2, 6)),
            new ImageRegistryService("snapshot-service", 8082, "snapshot", true, true,
                    new Sizing("500m", "2", "1536Mi", 2, 10)),
            new ImageRegistryService("launch-service", 8083, "launch", false, true,
                    new Sizing("250m", "1", "768Mi", 2, 6)),
            new ImageRegistryService("region-replicator", 8084, "replicator", true, false,
                    new Sizing("500m", "2", "1536Mi", 2, 8)));

    public static final List<String> TOPICS = List.of("image-events", "snapshot-events", "instance-events", "copy-events");

    /** The Secret (kubernetes.io/basic-auth) holding this service's database role; CloudNativePG manages the role from it. */
    public String databaseSecret() {
        return name + "-db";
    }
}
