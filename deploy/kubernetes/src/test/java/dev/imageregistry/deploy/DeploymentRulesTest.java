package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imageregistry.deploy.AppliedManifests.Document;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The deployment rules of issue 7, checked on exactly the files users apply, Region by Region. */
class DeploymentRulesTest {

    /** Names of environment variables and ConfigMap keys that would carry a secret value. */
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|SECRET|ACCESS_KEY|TOKEN|CREDENTIAL|PRIVATE|JAAS).*");
    /**
     * A variable naming where a secret is (GATEWAY_ACCESS_KEYS_FILE, TOKEN_SIGNING_KEY_LOCATION), not the secret: an
     * absolute path. GatewayRulesTest checks such paths are files of mounted Secrets.
     */
    private static final Pattern SECRET_PATH_NAME = Pattern.compile(".*_(FILE|LOCATION)");
    private static final Set<String> EVERY_SERVICE_NEEDS = Set.of("REGION", "HTTP_PORT", "KAFKA_BOOTSTRAP_SERVERS", "DB_URL",
            "DB_USER", "DB_PASSWORD", "MP_JWT_VERIFY_PUBLICKEY_LOCATION", "JWT_ISSUER", "JAVA_TOOL_OPTIONS",
            "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_PROPAGATORS");
    private static final Set<String> BLOCK_STORES_NEED = Set.of("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET");

    private static Regions regions;
    private static final Map<String, List<Document>> APPLIED = new LinkedHashMap<>();

    @BeforeAll
    static void read() throws IOException {
        regions = Regions.read(AppliedManifests.MODULE.resolve("regions.yaml"));
        for (String directory : AppliedManifests.directories()) {
            APPLIED.put(directory, AppliedManifests.read(directory));
        }
    }

    private static <T> List<T> all(String region, Class<T> type) {
        return APPLIED.get(region).stream().filter(d -> type.isInstance(d.typed())).map(d -> d.as(type)).toList();
    }

    private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T named(String region, Class<T> type, String name) {
        return all(region, type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(region + ": no " + type.getSimpleName() + " " + name));
    }

    @Test
    void everyRegionIsRenderedInItsOwnNamespace() {
        Set<String> expected = regions.regions().stream().map(Regions.Region::name).collect(Collectors.toSet());
        Set<String> rendered = new java.util.HashSet<>(APPLIED.keySet());
        rendered.remove("observability");
        assertEquals(expected, rendered, "one directory per Region of regions.yaml");
        for (Regions.Region region : regions.regions()) {
            for (Document document : APPLIED.get(region.name())) {
                String namespace = document.kind().equals("Namespace") ? document.resource().getMetadata().getName()
                        : document.resource().getMetadata().getNamespace();
                assertEquals(region.namespace(), namespace, document.where());
            }
            assertEquals("00-namespace.yaml", APPLIED.get(region.name()).get(0).file(), "the Namespace is applied first");
        }
    }

    /** The Region's four services and its aws-gateway, by name and HTTP port. */
    private static Map<String, Integer> deployed() {
        Map<String, Integer> deployed = new LinkedHashMap<>();
        ImageRegistryService.ALL.forEach(service -> deployed.put(service.name(), service.port()));
        deployed.put(AwsGateway.NAME, AwsGateway.PORT);
        return deployed;
    }

    @Test
    void everyServiceOfEveryRegionIsDeployedWithItsCompanions() {
        for (Regions.Region region : regions.regions()) {
            String r = region.name();
            for (Map.Entry<String, Integer> service : deployed().entrySet()) {
                String name = service.getKey();
                Deployment deployment = named(r, Deployment.class, name);
                Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
                assertEquals(regions.images().of(name), container.getImage(), r + " " + name + " image");
                assertFalse(container.getImage().endsWith(":latest"), "pinned tag");
                assertEquals(service.getValue(), container.getPorts().get(0).getContainerPort(), r + " " + name + " port");

                Service svc = named(r, Service.class, name);
                assertTrue(selects(svc.getSpec().getSelector(), deployment.getSpec().getTemplate()), r + " Service " + name + " selects its pods");
                for (ServicePort port : svc.getSpec().getPorts()) {
                    assertTrue(portNamed(container, port.getTargetPort().getStrVal()), r + " " + name + " targetPort exists");
                }
                named(r, io.fabric8.kubernetes.api.model.ServiceAccount.class, name);
                assertEquals(name, deployment.getSpec().getTemplate().getSpec().getServiceAccountName());

                HorizontalPodAutoscaler hpa = named(r, HorizontalPodAutoscaler.class, name);
                assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
                assertEquals(name, hpa.getSpec().getScaleTargetRef().getName());
                assertTrue(hpa.getSpec().getMinReplicas() >= 2, "at least two replicas: a PDB with minAvailable 1 can then drain a node");
                assertTrue(hpa.getSpec().getMaxReplicas() > hpa.getSpec().getMinReplicas());
                assertNull(deployment.getSpec().getReplicas(), r + " " + name + ": the HPA owns replicas; apply must not reset them");
                hasDisruptionBudget(r, deployment.getSpec().getTemplate());
                isolatedByNetworkPolicy(r, deployment.getSpec().getTemplate());
            }
        }
    }

    @Test
    void everyContainerHasProbesResourcesAndARestrictedSecurityContext() {
        int containers = 0;
        for (String region : APPLIED.keySet()) {
            List<PodTemplateSpec> pods = new ArrayList<>();
            all(region, Deployment.class).forEach(d -> pods.add(d.getSpec().getTemplate()));
            all(region, StatefulSet.class).forEach(s -> pods.add(s.getSpec().getTemplate()));
            for (PodTemplateSpec pod : pods) {
                PodSecurityContext podSecurity = pod.getSpec().getSecurityContext();
                String where = region + " " + pod.getMetadata().getLabels().get("app.kubernetes.io/name");
                assertNotNull(podSecurity, where + " pod securityContext");
                assertEquals("RuntimeDefault", podSecurity.getSeccompProfile().getType(), where + " seccomp");
                assertEquals(Boolean.FALSE, pod.getSpec().getAutomountServiceAccountToken(), where + " needs no API token");
                assertTrue(pod.getSpec().getInitContainers().isEmpty() && pod.getSpec().getEphemeralContainers().isEmpty(),
                        where + ": init containers would go unchecked");
                assertNull(pod.getSpec().getHostNetwork(), where);
                for (Container container : pod.getSpec().getContainers()) {
                    containers++;
                    String at = where + "/" + container.getName();
                    probe(at, "startup", container.getStartupProbe(), container);
                    probe(at, "liveness", container.getLivenessProbe(), container);
                    probe(at, "readiness", container.getReadinessProbe(), container);
                    for (String resource : List.of("cpu", "memory")) {
                        Quantity request = container.getResources().getRequests().get(resource);
                        Quantity limit = container.getResources().getLimits().get(resource);
                        assertNotNull(request, at + " requests " + resource);
                        assertNotNull(limit, at + " limits " + resource);
                        assertTrue(Quantity.getAmountInBytes(request).compareTo(Quantity.getAmountInBytes(limit)) <= 0,
                                at + " request <= limit for " + resource);
                    }
                    SecurityContext security = container.getSecurityContext();
                    assertNotNull(security, at + " securityContext");
                    assertTrue(Boolean.TRUE.equals(security.getRunAsNonRoot()) || Boolean.TRUE.equals(podSecurity.getRunAsNonRoot()), at + " runAsNonRoot");
                    Long uid = security.getRunAsUser() != null ? security.getRunAsUser() : podSecurity.getRunAsUser();
                    assertTrue(uid != null && uid > 0, at + " runs as a numeric non-root user");
                    assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem(), at + " readOnlyRootFilesystem");
                    assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation(), at + " allowPrivilegeEscalation");
                    assertNotEquals(Boolean.TRUE, security.getPrivileged(), at + " privileged");
                    assertEquals(List.of("ALL"), security.getCapabilities().getDrop(), at + " drops all capabilities");
                    assertTrue(security.getCapabilities().getAdd().isEmpty(), at + " adds no capability");
                }
            }
        }
        assertEquals(regions.regions().size() * (deployed().size() + 1), containers, "the services, the gateway and MinIO");
    }

    private static void assertNotEquals(Object unexpected, Object actual, String message) {
        org.junit.jupiter.api.Assertions.assertNotEquals(unexpected, actual, message);
    }

    @Test
    void noSecretValueIsWrittenInTheManifests() {
        for (String region : APPLIED.keySet()) {
            for (Document document : APPLIED.get(region)) {
                assertFalse(Set.of("Secret", "SealedSecret").contains(document.kind()), document.where() + ": Secrets are created by the operator, not applied from here");
                for (JsonNode env : document.tree().findValues("env")) {
                    for (JsonNode variable : env) {
                        if (secretNamed(variable.path("name").asText(), variable.path("value").asText(null))
                                || variable.path("name").asText().endsWith("_USER")) {
                            assertTrue(variable.path("value").isMissingNode(), document.where() + ": " + variable.path("name").asText() + " inline");
                            assertFalse(variable.path("valueFrom").path("secretKeyRef").isMissingNode(),
                                    document.where() + ": " + variable.path("name").asText() + " must come from a Secret");
                        }
                    }
                }
            }
            for (ConfigMap map : all(region, ConfigMap.class)) {
                map.getData().forEach((key, value) -> {
                    assertFalse(secretNamed(key, value), region + " ConfigMap " + map.getMetadata().getName() + " holds " + key);
                    assertFalse(value.contains("BEGIN") && value.contains("PRIVATE KEY"), "private key in a ConfigMap");
                });
            }
        }
    }

    /** Whether a variable (or ConfigMap key) with this name and value would carry a secret. */
    private static boolean secretNamed(String name, String value) {
        if (SECRET_PATH_NAME.matcher(name).matches() && value != null && value.startsWith("/") && !value.contains(" ")) {
            return false;
        }
        return SECRET_NAME.matcher(name).matches();
    }

    @Test
    void everyServiceGetsTheConfigurationItReads() {
        for (Regions.Region region : regions.regions()) {
            String r = region.name();
            Map<String, ConfigMap> maps = all(r, ConfigMap.class).stream()
                    .collect(Collectors.toMap(m -> m.getMetadata().getName(), m -> m));
            for (ImageRegistryService service : ImageRegistryService.ALL) {
                Container container = named(r, Deployment.class, service.name()).getSpec().getTemplate().getSpec().getContainers().get(0);
                Map<String, String> env = new HashMap<>();
                for (EnvFromSource from : container.getEnvFrom()) {
                    ConfigMap map = maps.get(from.getConfigMapRef().getName());
                    assertNotNull(map, r + " " + service.name() + " reads a ConfigMap that is not applied: " + from.getConfigMapRef().getName());
                    env.putAll(map.getData());
                }
                for (EnvVar variable : container.getEnv()) {
                    env.put(variable.getName(), variable.getValue() != null ? variable.getValue() : "<secret "
                            + variable.getValueFrom().getSecretKeyRef().getName() + "/" + variable.getValueFrom().getSecretKeyRef().getKey() + ">");
                }
                Set<String> needed = new java.util.HashSet<>(EVERY_SERVICE_NEEDS);
                if (service.storesBlocks()) {
                    needed.addAll(BLOCK_STORES_NEED);
                }
                for (String name : needed) {
                    assertTrue(env.containsKey(name), r + " " + service.name() + " lacks " + name);
                }
                assertEquals(r, env.get("REGION"));
                assertEquals(Integer.toString(service.port()), env.get("HTTP_PORT"));
                assertEquals("<secret " + service.databaseSecret() + "/username>", env.get("DB_USER"));
                Kafka kafka = all(r, Kafka.class).get(0);
                assertEquals(kafka.getMetadata().getName() + "-kafka-bootstrap:9092", env.get("KAFKA_BOOTSTRAP_SERVERS"));
                assertEquals("jdbc:postgresql://" + DatabaseCluster.NAME + "-rw:5432/" + service.database(), env.get("DB_URL"));
                assertTrue(env.get("JAVA_TOOL_OPTIONS").contains("-javaagent:" + RegionConfiguration.OTEL_AGENT));
                // One copy is one trace: W3C trace context (what the events' traceparent carries) and a sampler
                // that follows the parent, so a copy sampled where it was asked for is sampled everywhere.
                assertTrue(env.get("OTEL_PROPAGATORS").contains("tracecontext"), r + " " + service.name());
                assertTrue(env.getOrDefault("OTEL_TRACES_SAMPLER", "").startsWith("parentbased_"), r + " " + service.name());
                assertTrue(env.get("MP_JWT_VERIFY_PUBLICKEY_LOCATION").startsWith("/etc/image-registry/identity/"));
                if (service.storesBlocks()) {
                    String s3 = env.get("S3_ENDPOINT");
                    Service blocks = named(r, Service.class, s3.substring("http://".length(), s3.lastIndexOf(':')));
                    assertEquals(Integer.parseInt(s3.substring(s3.lastIndexOf(':') + 1)), blocks.getSpec().getPorts().get(0).getPort());
                }
                if (service.name().equals("region-replicator")) {
                    replicatorReachesEveryOtherRegion(region, env.get("REPLICATOR_REGIONS"));
                }
            }
        }
    }

    /** REPLICATOR_REGIONS names every other Region, at addresses that Region's manifests really serve. */
    private static void replicatorReachesEveryOtherRegion(Regions.Region region, String value) {
        assertNotNull(value, region.name() + " REPLICATOR_REGIONS");
        Map<String, String> peers = new HashMap<>();
        for (String entry : value.split(",")) {
            String[] parts = entry.split("=", 2);
            peers.put(parts[0], parts[1]);
        }
        Set<String> others = regions.regions().stream().map(Regions.Region::name).filter(n -> !n.equals(region.name())).collect(Collectors.toSet());
        assertEquals(others, peers.keySet(), region.name() + " copies from every other Region");
        for (Regions.Region peer : regions.regions()) {
            if (!others.contains(peer.name())) {
                continue;
            }
            String[] address = peers.get(peer.name()).split("\\|");
            assertEquals(3, address.length, "kafkaBootstrap|s3Endpoint|registryUrl");
            if (region.remoteFrom(peer)) {
                assertEquals(List.of(peer.external().kafkaBootstrap(), peer.external().s3Endpoint(), peer.external().registryUrl()), List.of(address));
                continue;
            }
            String suffix = "." + peer.namespace() + ".svc";
            String kafka = all(peer.name(), Kafka.class).get(0).getMetadata().getName();
            assertEquals(kafka + "-kafka-bootstrap" + suffix + ":9092", address[0]);
            assertEquals("http://" + BlockStore.NAME + suffix + ":" + named(peer.name(), Service.class, BlockStore.NAME).getSpec().getPorts().get(0).getPort(), address[1]);
            assertEquals("http://registry-service" + suffix + ":" + named(peer.name(), Service.class, "registry-service").getSpec().getPorts().get(0).getPort(), address[2]);
            // The peer's Kafka listener must let this Region's replicator in.
            List<String> admitted = all(peer.name(), Kafka.class).get(0).getSpec().getKafka().getListeners().get(0).getNetworkPolicyPeers().stream()
                    .map(p -> p.getNamespaceSelector() == null ? "" : p.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"))
                    .toList();
            assertTrue(admitted.contains(region.namespace()), peer.name() + " Kafka admits " + region.name() + "'s replicator");
        }
    }

    @Test
    void kafkaRunsOnKraftNodePoolsWithReplicatedTopicsThatKeepEventsForever() {
        for (Regions.Region region : regions.regions()) {
            String r = region.name();
            List<Kafka> clusters = all(r, Kafka.class);
            assertEquals(1, clusters.size());
            Kafka kafka = clusters.get(0);
            String cluster = kafka.getMetadata().getName();
            JsonNode kafkaTree = APPLIED.get(r).stream().filter(d -> d.kind().equals("Kafka")).findFirst().orElseThrow().tree();
            // Fields of v1beta2 that Strimzi's v1 API removed: node pools and KRaft replace them.
            for (String removed : List.of("/spec/zookeeper", "/spec/kafka/replicas", "/spec/kafka/storage")) {
                assertTrue(kafkaTree.at(removed).isMissingNode(), r + ": " + removed + " does not exist in kafka.strimzi.io/v1");
            }
            Map<String, Object> config = kafka.getSpec().getKafka().getConfig();
            assertEquals(3, config.get("default.replication.factor"));
            assertEquals(2, config.get("min.insync.replicas"));
            assertEquals(3, config.get("offsets.topic.replication.factor"));
            assertEquals(false, config.get("auto.create.topics.enable"));
            assertNotNull(kafka.getSpec().getEntityOperator().getTopicOperator(), "KafkaTopics need the topic operator");

            Set<ProcessRoles> roles = new java.util.HashSet<>();
            for (KafkaNodePool pool : all(r, KafkaNodePool.class)) {
                assertEquals(cluster, pool.getMetadata().getLabels().get("strimzi.io/cluster"));
                assertTrue(pool.getSpec().getReplicas() >= 3, r + " pool " + pool.getMetadata().getName() + " has a quorum of 3");
                assertNotNull(pool.getSpec().getStorage());
                assertNotNull(pool.getSpec().getResources().getLimits().get("memory"));
                roles.addAll(pool.getSpec().getRoles());
            }
            assertEquals(Set.of(ProcessRoles.BROKER, ProcessRoles.CONTROLLER), roles, r + ": KRaft controllers and brokers");

            Map<String, KafkaTopic> topics = all(r, KafkaTopic.class).stream()
                    .collect(Collectors.toMap(t -> Objects.requireNonNullElse(t.getSpec().getTopicName(), t.getMetadata().getName()), t -> t));
            assertEquals(Set.copyOf(ImageRegistryService.TOPICS), topics.keySet(), r + " topics");
            for (KafkaTopic topic : topics.values()) {
                String at = r + " " + topic.getMetadata().getName();
                assertEquals(cluster, topic.getMetadata().getLabels().get("strimzi.io/cluster"), at);
                assertEquals(3, topic.getSpec().getReplicas(), at + " replicas");
                assertTrue(topic.getSpec().getPartitions() >= 1, at);
                Map<String, Object> settings = topic.getSpec().getConfig();
                assertEquals(2, settings.get("min.insync.replicas"), at + " min.insync.replicas");
                assertEquals(-1, settings.get("retention.ms"), at + ": no time-based retention");
                assertEquals(-1, settings.get("retention.bytes"), at + ": no size-based retention either");
                assertEquals("delete", settings.get("cleanup.policy"), at + ": compaction would drop events");
                for (String key : settings.keySet()) {
                    if (key.endsWith(".ms") && key.contains("retention")) {
                        assertEquals(-1, settings.get(key), at + " " + key);
                    }
                }
            }
        }
    }

    @Test
    void everyServiceHasItsOwnDatabaseAndRoleInCloudNativePg() {
        for (Regions.Region region : regions.regions()) {
            String r = region.name();
            List<Document> clusters = APPLIED.get(r).stream().filter(d -> d.kind().equals("Cluster")).toList();
            assertEquals(1, clusters.size());
            JsonNode cluster = clusters.get(0).tree();
            assertTrue(cluster.at("/spec/instances").asInt() >= 2, "a standby to fail over to");
            Map<String, String> roleSecrets = new HashMap<>();
            cluster.at("/spec/managed/roles").forEach(role -> roleSecrets.put(role.path("name").asText(), role.at("/passwordSecret/name").asText()));
            Map<String, JsonNode> databases = APPLIED.get(r).stream().filter(d -> d.kind().equals("Database"))
                    .collect(Collectors.toMap(d -> d.tree().at("/spec/name").asText(), Document::tree));
            for (ImageRegistryService service : ImageRegistryService.ALL) {
                JsonNode database = databases.get(service.database());
                assertNotNull(database, r + " database " + service.database());
                assertEquals(cluster.at("/metadata/name").asText(), database.at("/spec/cluster/name").asText());
                assertEquals(service.database(), database.at("/spec/owner").asText(), "each service owns its database");
                // The role's password and the service's DB_PASSWORD are the same Secret.
                assertEquals(service.databaseSecret(), roleSecrets.get(service.database()), r + " role " + service.database());
            }
            assertEquals(ImageRegistryService.ALL.size(), databases.size());
        }
    }

    @Test
    void prometheusScrapesEveryServiceOfEveryRegion() {
        for (Regions.Region region : regions.regions()) {
            String r = region.name();
            ServiceMonitor monitor = all(r, ServiceMonitor.class).get(0);
            var endpoint = monitor.getSpec().getEndpoints().get(0);
            assertEquals("/q/metrics", endpoint.getPath());
            assertTrue(endpoint.getRelabelings().stream().anyMatch(l -> "region".equals(l.getTargetLabel()) && r.equals(l.getReplacement())));
            for (String name : deployed().keySet()) {
                Service svc = named(r, Service.class, name);
                Map<String, String> labels = svc.getMetadata().getLabels();
                assertTrue(monitor.getSpec().getSelector().getMatchLabels().entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey()))));
                assertTrue(monitor.getSpec().getSelector().getMatchExpressions().stream()
                        .allMatch(e -> e.getValues().contains(labels.get(e.getKey()))), r + " monitor selects " + name);
                assertTrue(svc.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals(endpoint.getPort())));
            }
        }
    }

    private static void probe(String at, String kind, Probe probe, Container container) {
        assertNotNull(probe, at + " has a " + kind + " probe");
        assertNotNull(probe.getHttpGet(), at + " " + kind + " probe is an HTTP check");
        String port = probe.getHttpGet().getPort().getStrVal();
        assertTrue(port != null && portNamed(container, port), at + " " + kind + " probe port " + port);
        if (container.getImage().startsWith(regions.images().registry())) {
            String expected = switch (kind) {
                case "startup" -> "/q/health/started";
                case "liveness" -> "/q/health/live";
                default -> "/q/health/ready";
            };
            assertEquals(expected, probe.getHttpGet().getPath(), at + " " + kind);
        }
    }

    private static boolean portNamed(Container container, String name) {
        return container.getPorts().stream().map(ContainerPort::getName).anyMatch(name::equals);
    }

    private static boolean selects(Map<String, String> selector, PodTemplateSpec pod) {
        return selector != null && !selector.isEmpty()
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(pod.getMetadata().getLabels().get(e.getKey())));
    }

    private static void hasDisruptionBudget(String region, PodTemplateSpec pod) {
        assertTrue(all(region, PodDisruptionBudget.class).stream().anyMatch(b -> selects(b.getSpec().getSelector().getMatchLabels(), pod)),
                region + " " + pod.getMetadata().getLabels() + " has a PodDisruptionBudget");
    }

    private static void isolatedByNetworkPolicy(String region, PodTemplateSpec pod) {
        List<NetworkPolicy> policies = all(region, NetworkPolicy.class).stream()
                .filter(p -> selects(p.getSpec().getPodSelector().getMatchLabels(), pod)).toList();
        assertEquals(1, policies.size(), region + " " + pod.getMetadata().getLabels() + " has its NetworkPolicy");
        NetworkPolicy policy = policies.get(0);
        assertEquals(List.of("Ingress", "Egress"), policy.getSpec().getPolicyTypes(), "both directions are restricted");
        assertFalse(policy.getSpec().getEgress().stream().anyMatch(rule -> rule.getTo().isEmpty()), region + ": an egress rule to anywhere");
        String name = pod.getMetadata().getLabels().get("app.kubernetes.io/name");
        if (!name.equals("region-replicator")) {
            // The gateway passes requests signed for another Region to that Region's gateway, and to nothing else there.
            boolean crossesNamespaces = policy.getSpec().getEgress().stream().flatMap(rule -> rule.getTo().stream())
                    .anyMatch(peer -> peer.getNamespaceSelector() != null && peer.getPodSelector() != null
                            && !"kube-dns".equals(peer.getPodSelector().getMatchLabels().get("k8s-app"))
                            && !(name.equals(AwsGateway.NAME)
                                && AwsGateway.NAME.equals(peer.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"))));
            assertFalse(crossesNamespaces, region + " " + name + ": only the replicator talks to other Regions' services");
        }
    }

    @Test
    void onlyTheSupportedKindsAreApplied() {
        for (String region : APPLIED.keySet()) {
            for (Document document : APPLIED.get(region)) {
                if (!AppliedManifests.KINDS.containsKey(document.tree().path("apiVersion").asText() + "/" + document.kind())) {
                    fail(document.where());
                }
            }
        }
    }
}
