package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The name, namespace and labels of every object a Region applies. One label scheme for all of them, because the
 * ServiceMonitor, the network policies and Kafka's listener find the installation's pods by
 * {@code app.kubernetes.io/part-of}, and one workload's pods by {@code app.kubernetes.io/name}.
 */
final class Metadata {

    static final String PART_OF = "image-registry";

    private Metadata() {
    }

    /** {@code component}: the workload the object belongs to, or null for what the whole Region shares. */
    static ObjectMeta of(Region region, String name, String component) {
        return new ObjectMetaBuilder().withName(name).withNamespace(region.namespace()).withLabels(labels(component)).build();
    }

    static Map<String, String> labels(String component) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (component != null) {
            labels.put("app.kubernetes.io/name", component);
        }
        labels.put("app.kubernetes.io/part-of", PART_OF);
        return labels;
    }

    /** The pods of one workload. */
    static Map<String, String> selector(String name) {
        return Map.of("app.kubernetes.io/name", name);
    }
}
