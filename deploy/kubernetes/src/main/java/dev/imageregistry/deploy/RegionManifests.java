package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one Region applies, as typed objects, grouped by the file they are written to; each file is made by
 * the class named beside it. Files are applied in name order by {@code kubectl apply -f}, so the Namespace comes
 * first, then what the workloads read and use, then the workloads.
 */
public final class RegionManifests {

    private final Regions all;
    private final Region region;

    public RegionManifests(Regions all, Region region) {
        this.all = all;
        this.region = region;
    }

    /** File name to the objects it holds, in apply order. */
    public Map<String, List<Object>> files() {
        Map<String, List<Object>> files = new LinkedHashMap<>();
        files.put("00-namespace.yaml", List.of(namespace()));
        files.put("10-config.yaml", new RegionConfiguration(all, region).configMaps());
        files.put("20-kafka.yaml", new KafkaCluster(all, region).objects());
        files.put("30-database.yaml", new DatabaseCluster(all, region).objects());
        files.put("40-blocks.yaml", new BlockStore(all, region).objects());
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            files.put("50-" + service.name() + ".yaml", new ServiceDeployment(all, region, service).objects());
        }
        files.put("50-" + AwsGateway.NAME + ".yaml", new GatewayDeployment(all, region).objects());
        files.put("90-monitoring.yaml", new RegionMonitoring(region).objects());
        return files;
    }

    private Namespace namespace() {
        return new NamespaceBuilder().withNewMetadata().withName(region.namespace())
                .addToLabels(Metadata.labels(null))
                // The app pods meet "restricted"; the operators' pods are only guaranteed "baseline".
                .addToLabels("pod-security.kubernetes.io/enforce", "baseline")
                .addToLabels("pod-security.kubernetes.io/warn", "restricted")
                .addToLabels("pod-security.kubernetes.io/audit", "restricted")
                .endMetadata().build();
    }
}
