package dev.imageregistry.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns regions.yaml into the files users apply: {@code rendered/<region>/NN-*.yaml} and
 * {@code rendered/observability/}. The same text every time for the same input, so the tests can compare.
 */
public final class Rendering {

    public static final String DASHBOARD = "observability/image-registry-dashboard.json";
    public static final String HEADER = "# Rendered from deploy/kubernetes/regions.yaml by RenderRegions; do not edit.\n";

    public static YAMLMapper yaml() {
        return YAMLMapper.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                .disable(YAMLGenerator.Feature.SPLIT_LINES)
                .build();
    }

    private static final ObjectMapper JSON = JsonMapper.builder().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS).build();

    /** Path relative to deploy/kubernetes/rendered → file content. */
    public static Map<String, String> render(Path moduleDir) throws IOException {
        Regions regions = Regions.read(moduleDir.resolve("regions.yaml"));
        Map<String, String> files = new TreeMap<>();
        for (Regions.Region region : regions.regions()) {
            new RegionManifests(regions, region).files().forEach((name, objects) ->
                    files.put(region.name() + "/" + name, documents(objects)));
        }
        String dashboard = Files.readString(moduleDir.resolve(DASHBOARD));
        Object dashboardMap = new ConfigMapBuilder()
                .withMetadata(new ObjectMetaBuilder().withName("image-registry-dashboard")
                        .withNamespace(regions.monitoring().grafanaNamespace())
                        .addToLabels("app.kubernetes.io/part-of", Metadata.PART_OF)
                        // Grafana's dashboard sidecar loads every ConfigMap with this label.
                        .addToLabels("grafana_dashboard", "1").build())
                .addToData("image-registry.json", dashboard)
                .build();
        files.put("observability/grafana-dashboard.yaml", documents(List.of(dashboardMap)));
        return files;
    }

    static String documents(List<Object> objects) {
        YAMLMapper yaml = yaml();
        StringBuilder out = new StringBuilder(HEADER);
        for (Object object : objects) {
            // Through a tree first: empty collections the builders leave behind are not part of the manifest.
            JsonNode tree = prune(JSON.valueToTree(object));
            try {
                out.append("---\n").append(yaml.writeValueAsString(tree));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out.toString();
    }

    static JsonNode prune(JsonNode node) {
        if (node.isObject()) {
            var fields = node.fields();
            while (fields.hasNext()) {
                var field = fields.next();
                JsonNode value = prune(field.getValue());
                if (value.isNull() || (value.isContainerNode() && value.isEmpty() && !keepsEmpty(field.getKey()))) {
                    fields.remove();
                }
            }
        } else if (node.isArray()) {
            node.forEach(Rendering::prune);
        }
        return node;
    }

    /** Empty objects that mean something: an emptyDir, an "all namespaces" selector, the topic and user operators. */
    private static boolean keepsEmpty(String key) {
        return switch (key) {
            case "emptyDir", "namespaceSelector", "topicOperator", "userOperator" -> true;
            default -> false;
        };
    }
}
