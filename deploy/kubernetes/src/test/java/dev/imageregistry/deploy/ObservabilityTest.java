package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Grafana dashboard users import and the container builds the manifests' images come from. */
class ObservabilityTest {

    /** Series the services export today (platform EventMetrics, aws-gateway's AwsEndpoint, Micrometer, JVM). */
    static final Set<String> EXPORTED = Set.of("imageregistry_events_published_total", "imageregistry_events_consumed_total",
            "imageregistry_events_rejected_total", "imageregistry_read_model_lag_events",
            "imageregistry_gateway_requests_total", "imageregistry_gateway_forwarded_total",
            "http_server_requests_seconds_bucket", "http_server_requests_seconds_count", "jvm_memory_used_bytes");
    /** Series the dashboard expects the services to add (listed in deploy/README.md). */
    static final Set<String> EXPECTED = Set.of("imageregistry_blocks_bytes_total", "imageregistry_copy_blocks_done",
            "imageregistry_copy_blocks_total", "imageregistry_copy_source_lag_events");
    private static final Pattern SERIES = Pattern.compile("\\b([a-z_]+_(?:total|events|bytes|bucket|count|done))\\b");

    @Test
    void dashboardShowsWhatMattersWithKnownSeriesOnly() throws IOException {
        JsonNode dashboard = AppliedManifests.JSON.readTree(AppliedManifests.MODULE.resolve(Rendering.DASHBOARD).toFile());
        assertEquals("image-registry", dashboard.path("uid").asText());
        Set<Integer> ids = new HashSet<>();
        List<String> titles = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "panel ids are unique");
            titles.add(panel.path("title").asText());
            assertFalse(panel.path("targets").isEmpty(), panel.path("title").asText() + " has queries");
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertEquals(count(expr, '('), count(expr, ')'), "balanced parentheses: " + expr);
                assertTrue(expr.contains("region=~\"$region\""), "every query follows the Region picker: " + expr);
                Matcher series = SERIES.matcher(expr);
                while (series.find()) {
                    used.add(series.group(1));
                }
            }
        }
        for (String series : used) {
            assertTrue(EXPORTED.contains(series) || EXPECTED.contains(series), "unknown series " + series);
        }
        for (String needed : List.of("imageregistry_events_published_total", "imageregistry_events_consumed_total",
                "imageregistry_read_model_lag_events", "imageregistry_blocks_bytes_total", "imageregistry_copy_blocks_done",
                "imageregistry_copy_source_lag_events", "http_server_requests_seconds_bucket")) {
            assertTrue(used.contains(needed), "the dashboard shows " + needed);
        }
        assertTrue(String.join("|", titles).contains("p99"));
        List<String> gateway = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(target -> {
            if (target.path("expr").asText().contains("service=\"" + AwsGateway.NAME + "\"")) {
                gateway.add(target.path("expr").asText());
            }
        }));
        assertTrue(gateway.stream().anyMatch(e -> e.contains("http_server_requests_seconds_count") && e.contains("status")),
                "the dashboard shows the gateway's requests by status (its errors)");
        assertTrue(gateway.stream().anyMatch(e -> e.contains("histogram_quantile(0.99") && e.contains("http_server_requests_seconds_bucket")),
                "the dashboard shows the gateway's latency");
        assertTrue(String.join("|", titles).contains("Launches and refusals"));
    }

    @Test
    void grafanaLoadsTheDashboardAsCommitted() throws IOException {
        List<AppliedManifests.Document> documents = AppliedManifests.read("observability");
        assertEquals(1, documents.size());
        ConfigMap map = documents.get(0).as(ConfigMap.class);
        assertEquals("1", map.getMetadata().getLabels().get("grafana_dashboard"));
        assertEquals(Files.readString(AppliedManifests.MODULE.resolve(Rendering.DASHBOARD)), map.getData().get("image-registry.json"));
    }

    @Test
    void everyServiceImageIsBuiltNonRootWithTheTracingAgent() throws IOException {
        Path root = AppliedManifests.MODULE.getParent().getParent();
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            Path dockerfile = root.resolve(service.name()).resolve("src/main/docker/Dockerfile.jvm");
            assertTrue(Files.exists(dockerfile), dockerfile + " exists");
            String text = Files.readString(dockerfile);
            assertTrue(text.contains("\nUSER " + Workloads.APP_UID + "\n"), service.name() + " runs as the user the manifests expect");
            assertTrue(text.contains("COPY target/quarkus-app/lib/ /deployments/lib/"), service.name() + " ships the Quarkus fast-jar");
            assertTrue(text.contains(" " + RegionConfiguration.OTEL_AGENT + "\n"), service.name() + " carries the agent JAVA_TOOL_OPTIONS loads");
            assertTrue(text.contains("\nEXPOSE " + service.port() + "\n"), service.name() + " port");
            assertTrue(text.contains("JAVA_MAX_MEM_RATIO"), service.name() + " sizes the heap from the container");
            Matcher from = Pattern.compile("(?m)^FROM (\\S+)").matcher(text);
            assertTrue(from.find() && from.group(1).matches(".+:[0-9][^:]*"), service.name() + " pins its base image");
        }
    }

    /**
     * The aws-gateway's image, built the same way, once its module has its container build (the manifests run it as
     * user 185 with the agent on JAVA_TOOL_OPTIONS, on port 8080). Skipped while aws-gateway has no Dockerfile.jvm.
     */
    @Test
    void theGatewayImageIsBuiltLikeTheServices() throws IOException {
        Path dockerfile = AppliedManifests.MODULE.getParent().getParent().resolve(AwsGateway.NAME).resolve("src/main/docker/Dockerfile.jvm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(dockerfile), dockerfile + " does not exist yet");
        String text = Files.readString(dockerfile);
        assertTrue(text.contains("\nUSER " + Workloads.APP_UID + "\n"), "runs as the user the manifests expect");
        assertTrue(text.contains("COPY target/quarkus-app/lib/ /deployments/lib/"), "ships the Quarkus fast-jar");
        assertTrue(text.contains(" " + RegionConfiguration.OTEL_AGENT + "\n"), "carries the agent JAVA_TOOL_OPTIONS loads");
        assertTrue(text.contains("\nEXPOSE " + AwsGateway.PORT + "\n"), "port");
        assertTrue(text.contains("JAVA_MAX_MEM_RATIO"), "sizes the heap from the container");
    }

    private static long count(String text, char c) {
        return text.chars().filter(x -> x == c).count();
    }
}
