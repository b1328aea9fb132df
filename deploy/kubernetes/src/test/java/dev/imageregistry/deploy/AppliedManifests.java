package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads back exactly the files users apply (deploy/kubernetes/rendered/), document by document, into the
 * typed model of each kind. Any kind not listed here is refused: it would go unvalidated.
 */
final class AppliedManifests {

    static final Path MODULE = Path.of(System.getProperty("project.root", "../.."), "deploy", "kubernetes").normalize();
    static final Path RENDERED = MODULE.resolve("rendered");

    /** (apiVersion, kind) → the class the API server's schema is modelled by. CloudNativePG has no Java model. */
    static final Map<String, Class<?>> KINDS = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("networking.k8s.io/v1/Ingress", io.fabric8.kubernetes.api.model.networking.v1.Ingress.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
            Map.entry("monitoring.coreos.com/v1/PrometheusRule", io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule.class),
            Map.entry("kafka.strimzi.io/v1/Kafka", Kafka.class),
            Map.entry("kafka.strimzi.io/v1/KafkaNodePool", KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1/KafkaTopic", KafkaTopic.class),
            Map.entry("kafka.strimzi.io/v1/KafkaUser", io.strimzi.api.kafka.model.user.KafkaUser.class),
            Map.entry("postgresql.cnpg.io/v1/Cluster", GenericKubernetesResource.class),
            Map.entry("postgresql.cnpg.io/v1/Database", GenericKubernetesResource.class));

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    /** One document of one applied file: its text as parsed, and the typed object. */
    record Document(String directory, String file, int index, ObjectNode tree, Object typed) {
        String where() {
            return directory + "/" + file + " #" + index + " " + tree.path("kind").asText() + " "
                    + tree.path("metadata").path("name").asText();
        }

        String kind() {
            return tree.path("kind").asText();
        }

        HasMetadata resource() {
            return (HasMetadata) typed;
        }

        <T> T as(Class<T> type) {
            return type.cast(typed);
        }
    }

    static List<String> directories() throws IOException {
        return directories(RENDERED);
    }

    static List<String> directories(Path rendered) throws IOException {
        try (Stream<Path> dirs = Files.list(rendered)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * Regions across two clusters (src/test/resources/cross-cluster-regions.yaml in place of the Regions of
     * regions.yaml, everything else as there), rendered to a temporary folder as RenderRegions writes rendered/:
     * what an installation with a Region in another cluster would apply. Returns that folder.
     */
    static Path renderCrossCluster() throws IOException {
        Path module = Files.createTempDirectory("cross-cluster");
        Files.createDirectories(module.resolve("observability"));
        Files.copy(MODULE.resolve(Rendering.DASHBOARD), module.resolve(Rendering.DASHBOARD));
        String installation = Files.readString(MODULE.resolve("regions.yaml"));
        installation = installation.substring(0, installation.indexOf("\nregions:") + 1);
        try (var fixture = AppliedManifests.class.getResourceAsStream("/cross-cluster-regions.yaml")) {
            Files.writeString(module.resolve("regions.yaml"), installation
                    + new String(fixture.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        Path rendered = module.resolve("rendered");
        for (var file : Rendering.render(module).entrySet()) {
            Path target = rendered.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
        }
        return module;
    }

    /** Every document of rendered/&lt;directory&gt;/, in apply order. Fails on a kind without a model. */
    static List<Document> read(String directory) {
        return read(RENDERED, directory);
    }

    static List<Document> read(Path rendered, String directory) {
        List<Document> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(rendered.resolve(directory))) {
            for (Path file : files.sorted().toList()) {
                var parser = new YAMLFactory().createParser(file.toFile());
                var trees = JSON.readValues(parser, JsonNode.class);
                int index = 0;
                while (trees.hasNext()) {
                    JsonNode node = trees.next();
                    if (node == null || node.isNull() || node.isMissingNode()) {
                        continue;
                    }
                    if (!node.isObject()) {
                        throw new AssertionError(file + " #" + index + " is not an object");
                    }
                    ObjectNode tree = (ObjectNode) node;
                    String key = tree.path("apiVersion").asText() + "/" + tree.path("kind").asText();
                    Class<?> type = KINDS.get(key);
                    if (type == null) {
                        throw new AssertionError(file + " #" + index + ": " + key + " has no schema here; add its model first");
                    }
                    Object typed;
                    try {
                        typed = JSON.treeToValue(tree, type);
                    } catch (IOException e) {
                        throw new AssertionError(file + " #" + index + " " + key + " does not match the schema: " + e.getMessage(), e);
                    }
                    documents.add(new Document(directory, file.getFileName().toString(), index++, tree, typed));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }
}
