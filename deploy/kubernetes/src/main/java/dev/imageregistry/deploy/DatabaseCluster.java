package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * 30-database.yaml: the Region's PostgreSQL, one CloudNativePG Cluster with a database and a role per service.
 * Written as generic resources; the tests check them against CloudNativePG's schemas (src/test/resources/cloudnative-pg).
 */
final class DatabaseCluster {

    static final String NAME = "image-registry-db";
    static final int PORT = 5432;
    private static final String API = "postgresql.cnpg.io/v1";

    private final Regions all;
    private final Region region;

    DatabaseCluster(Regions all, Region region) {
        this.all = all;
        this.region = region;
    }

    List<Object> objects() {
        List<Object> objects = new ArrayList<>();
        List<Map<String, Object>> roles = new ArrayList<>();
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            Map<String, Object> role = new LinkedHashMap<>();
            role.put("name", service.database());
            role.put("ensure", "present");
            role.put("login", true);
            // CloudNativePG keeps the role's password as the Secret says (the service reads the same Secret).
            role.put("passwordSecret", Map.of("name", service.databaseSecret()));
            roles.add(role);
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("instances", all.database().instances());
        spec.put("storage", Map.of("size", all.database().storage()));
        spec.put("postgresql", Map.of("parameters", new TreeMap<>(Map.of("max_connections", "300"))));
        spec.put("managed", Map.of("roles", roles));
        spec.put("resources", resources("1", "2", "4Gi"));
        Map<String, Object> affinity = new LinkedHashMap<>();
        affinity.put("enablePodAntiAffinity", true);
        affinity.put("topologyKey", "kubernetes.io/hostname");
        spec.put("affinity", affinity);
        objects.add(new GenericKubernetesResourceBuilder()
                .withApiVersion(API).withKind("Cluster")
                .withMetadata(Metadata.of(region, NAME, "postgresql"))
                .withAdditionalProperties(Map.of("spec", spec))
                .build());
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            Map<String, Object> db = new LinkedHashMap<>();
            db.put("name", service.database());
            db.put("owner", service.database());
            db.put("cluster", Map.of("name", NAME));
            db.put("ensure", "present");
            objects.add(new GenericKubernetesResourceBuilder()
                    .withApiVersion(API).withKind("Database")
                    .withMetadata(Metadata.of(region, NAME + "-" + service.database(), "postgresql"))
                    .withAdditionalProperties(Map.of("spec", db))
                    .build());
        }
        return objects;
    }

    /** As {@link Workloads#resources}, as plain maps for the generic resource: memory request equal to the limit. */
    private static Map<String, Object> resources(String cpuRequest, String cpuLimit, String memory) {
        Map<String, Object> requests = new LinkedHashMap<>();
        requests.put("cpu", cpuRequest);
        requests.put("memory", memory);
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("cpu", cpuLimit);
        limits.put("memory", memory);
        Map<String, Object> resources = new LinkedHashMap<>();
        resources.put("requests", requests);
        resources.put("limits", limits);
        return resources;
    }
}
