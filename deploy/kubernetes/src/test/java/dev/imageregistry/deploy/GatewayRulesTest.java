package dev.imageregistry.deploy;

import dev.imageregistry.deploy.AppliedManifests.Document;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aws-gateway of every Region: its configuration contract (this Region's services, every Region's gateway as
 * it can reach it, the Secrets' files, the services' issuer), its public Ingress, and its network policy (in from
 * the ingress controller, out to the Region's four services and the other gateways, nothing else). Checked on the
 * files users apply and on an installation across two clusters (src/test/resources/cross-cluster-regions.yaml).
 */
class GatewayRulesTest {

    private static final String NAME = AwsGateway.NAME;
    private static final Set<String> THE_GATEWAY_READS = Set.of("HTTP_PORT", "REGION", "REGISTRY_URL", "SNAPSHOT_URL",
            "LAUNCH_URL", "REPLICATOR_URL", "GATEWAY_REGIONS", "GATEWAY_ACCESS_KEYS_FILE", "GATEWAY_ACCOUNT_ALIASES",
            "TOKEN_SIGNING_KEY_LOCATION", "JWT_ISSUER", "JAVA_TOOL_OPTIONS", "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_PROPAGATORS", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG");
    /** The JVM and tracing settings that must be exactly the services' (the shared ConfigMap's). */
    private static final List<String> AS_THE_SERVICES = List.of("JWT_ISSUER", "JAVA_TOOL_OPTIONS", "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_TRACES_EXPORTER", "OTEL_PROPAGATORS", "OTEL_TRACES_SAMPLER",
            "OTEL_TRACES_SAMPLER_ARG", "OTEL_RESOURCE_ATTRIBUTES");

    @Test
    void theAppliedFilesMeetTheRules() throws IOException {
        check(AppliedManifests.MODULE, AppliedManifests.RENDERED);
    }

    @Test
    void acrossTwoClustersGatewaysMeetAtTheirIngresses() throws IOException {
        Path module = AppliedManifests.renderCrossCluster();
        int remote = check(module, module.resolve("rendered"));
        assertEquals(4, remote, "ap-south-1 with each of us-east-1 and eu-west-1, both ways");
    }

    @Test
    void accountAliasesAreRenderedAsWrittenAndAccountsMustBeTwelveDigits() throws IOException {
        String yaml = Files.readString(AppliedManifests.MODULE.resolve("regions.yaml"));
        assertTrue(yaml.contains("  accountAliases: {}\n"), "regions.yaml has no aliases by default");
        Path module = module(yaml.replace("  accountAliases: {}\n",
                "  accountAliases:\n    amazon: \"137112412989\"\n    aws-marketplace: \"679593333241\"\n"));
        String config = Rendering.render(module).get("us-east-1/10-config.yaml");
        assertTrue(config.contains("GATEWAY_ACCOUNT_ALIASES: \"amazon=137112412989,aws-marketplace=679593333241\""), config);

        // An account keeps its leading zeros (Jackson reads the scalar's text), but has exactly 12 digits.
        Path leadingZero = module(yaml.replace("  accountAliases: {}\n", "  accountAliases:\n    amazon: 012345670123\n"));
        assertTrue(Rendering.render(leadingZero).get("us-east-1/10-config.yaml").contains("GATEWAY_ACCOUNT_ALIASES: amazon=012345670123\n"));
        Path short_ = module(yaml.replace("  accountAliases: {}\n", "  accountAliases:\n    amazon: \"13711241298\"\n"));
        assertThrows(IllegalArgumentException.class, () -> Rendering.render(short_));
        Path badAlias = module(yaml.replace("  accountAliases: {}\n", "  accountAliases:\n    \"a=b\": \"137112412989\"\n"));
        assertThrows(IllegalArgumentException.class, () -> Rendering.render(badAlias));
    }

    @Test
    void aRegionMayNameItsGatewayHost() throws IOException {
        String yaml = Files.readString(AppliedManifests.MODULE.resolve("regions.yaml"))
                + "  - name: ap-south-1\n    namespace: image-registry-ap-south-1\n    gatewayHost: ec2.mumbai.example.org\n";
        Map<String, String> files = Rendering.render(module(yaml));
        assertTrue(files.get("ap-south-1/50-aws-gateway.yaml").contains("- host: ec2.mumbai.example.org\n"));
        assertTrue(files.get("us-east-1/50-aws-gateway.yaml").contains("- host: ec2.us-east-1.example.com\n"), "the default");
        assertTrue(files.get("us-east-1/10-config.yaml").contains("ap-south-1=http://aws-gateway.image-registry-ap-south-1.svc:8080"),
                "the existing Regions' gateways learn the new Region");
        Path twice = module(Files.readString(AppliedManifests.MODULE.resolve("regions.yaml"))
                + "  - name: ap-south-1\n    namespace: image-registry-ap-south-1\n    gatewayHost: ec2.us-east-1.example.com\n");
        assertThrows(IllegalArgumentException.class, () -> Rendering.render(twice), "two Regions cannot share a host");
    }

    private static Path module(String regionsYaml) throws IOException {
        Path module = Files.createTempDirectory("gateway");
        Files.createDirectories(module.resolve("observability"));
        Files.copy(AppliedManifests.MODULE.resolve(Rendering.DASHBOARD), module.resolve(Rendering.DASHBOARD));
        Files.writeString(module.resolve("regions.yaml"), regionsYaml);
        return module;
    }

    /** Checks every Region's gateway; returns how many (Region, other Region) pairs are in different clusters. */
    private static int check(Path module, Path rendered) throws IOException {
        Regions regions = Regions.read(module.resolve("regions.yaml"));
        Map<String, List<Document>> applied = new LinkedHashMap<>();
        for (Regions.Region region : regions.regions()) {
            applied.put(region.name(), AppliedManifests.read(rendered, region.name()));
        }
        int remote = 0;
        for (Regions.Region region : regions.regions()) {
            List<Document> docs = applied.get(region.name());
            String r = region.name();
            Deployment deployment = named(docs, Deployment.class, NAME);
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            Map<String, String> env = env(docs, pod.getContainers().get(0), r);

            for (String variable : THE_GATEWAY_READS) {
                assertTrue(env.containsKey(variable), r + " gateway lacks " + variable);
            }
            for (String stateful : env.keySet()) {
                assertFalse(stateful.startsWith("KAFKA") || stateful.startsWith("DB_") || stateful.startsWith("S3_")
                        || stateful.startsWith("MP_JWT"), r + " gateway is stateless and verifies no tokens, yet gets " + stateful);
            }
            assertEquals(r, env.get("REGION"));
            Container container = pod.getContainers().get(0);
            assertEquals(env.get("HTTP_PORT"), Integer.toString(container.getPorts().get(0).getContainerPort()),
                    r + ": HTTP_PORT is the container port");
            assertEquals(Integer.toString(AwsGateway.PORT), env.get("HTTP_PORT"));
            Map<String, String> shared = named(docs, ConfigMap.class, "image-registry").getData();
            for (String same : AS_THE_SERVICES) {
                assertEquals(shared.get(same), env.get(same), r + " gateway's " + same + " is the services'");
            }
            assertEquals(regions.identity().issuer(), env.get("JWT_ISSUER"), r + ": its tokens carry the services' issuer");
            assertEquals(NAME, env.get("OTEL_SERVICE_NAME"));
            assertEquals(regions.gateway().accountAliases().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(",")), env.get("GATEWAY_ACCOUNT_ALIASES"), r + " aliases as in regions.yaml");

            reachesItsServices(r, env, docs);
            secretFile(r, env.get("GATEWAY_ACCESS_KEYS_FILE"), pod, regions.gateway().accessKeysSecret(),
                    Regions.Gateway.ACCESS_KEYS_FILE);
            secretFile(r, env.get("TOKEN_SIGNING_KEY_LOCATION"), pod, regions.identity().gatewaySigningKeySecret(),
                    regions.identity().gatewaySigningKeyFile());
            publicIngress(regions, region, docs);
            alertedLikeTheServices(region, docs);
            onlyTheNeededTraffic(regions, region, docs);
            remote += namesEveryRegion(regions, region, env.get("GATEWAY_REGIONS"), applied);
        }
        return remote;
    }

    /** REGISTRY_URL etc.: http://&lt;Service&gt;:&lt;port&gt; of this Region's Services, which the gateway may reach. */
    private static void reachesItsServices(String r, Map<String, String> env, List<Document> docs) {
        NetworkPolicy own = named(docs, NetworkPolicy.class, NAME);
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            String variable = AwsGateway.SERVICE_URL_VARIABLES.get(service.name());
            URI url = URI.create(env.get(variable));
            String where = r + " " + variable + " " + url;
            assertEquals("http", url.getScheme(), where);
            assertEquals(service.name(), url.getHost(), where + ": the Region's own Service");
            Service svc = named(docs, Service.class, service.name());
            assertTrue(svc.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == url.getPort()), where + ": a port of that Service");
            assertTrue(own.getSpec().getEgress().stream().anyMatch(rule -> onPort(rule.getPorts(), service.port())
                            && rule.getTo().stream().anyMatch(to -> to.getNamespaceSelector() == null && to.getIpBlock() == null
                            && selectsName(to.getPodSelector(), service.name()))),
                    where + ": the gateway's policy lets it reach " + service.name());
            NetworkPolicy theirs = named(docs, NetworkPolicy.class, service.name());
            assertTrue(theirs.getSpec().getIngress().stream().anyMatch(rule -> onPort(rule.getPorts(), service.port())
                            && (rule.getFrom().isEmpty() || rule.getFrom().stream().anyMatch(from -> from.getNamespaceSelector() == null
                            && selectsName(from.getPodSelector(), NAME)))),
                    where + ": " + service.name() + "'s policy admits the gateway");
        }
    }

    /** {@code path} is a file of Secret {@code secret} (key {@code key}), mounted whole and readable by the pod's user. */
    private static void secretFile(String r, String path, PodSpec pod, String secret, String key) {
        String where = r + " gateway " + path;
        assertNotNull(path, where);
        Container container = pod.getContainers().get(0);
        VolumeMount mount = container.getVolumeMounts().stream().filter(m -> path.startsWith(m.getMountPath() + "/")).findFirst()
                .orElseThrow(() -> new AssertionError(where + " is on no mounted volume"));
        assertNull(mount.getSubPath(), where + ": the Secret mounted whole (not subPath), so its updates reach the pod");
        assertEquals(Boolean.TRUE, mount.getReadOnly(), where + " read-only");
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertNotNull(volume.getSecret(), where + " comes from a Secret");
        assertEquals(secret, volume.getSecret().getSecretName(), where);
        String file = path.substring(mount.getMountPath().length() + 1);
        assertTrue(volume.getSecret().getItems().stream().anyMatch(i -> i.getKey().equals(key) && i.getPath().equals(file)),
                where + " is the Secret's key " + key);
        int mode = volume.getSecret().getDefaultMode() == null ? 0644 : volume.getSecret().getDefaultMode();
        Long group = pod.getSecurityContext().getFsGroup();
        assertTrue((mode & 0004) != 0 || ((mode & 0040) != 0 && group != null), where + ": readable by the gateway's user");
        assertEquals(0, mode & 0007 & ~0004, where + ": nobody writes or executes it");
    }

    /** The Region's public AWS endpoint: its host, TLS, the controller of regions.yaml, only the gateway's API path. */
    private static void publicIngress(Regions regions, Regions.Region region, List<Document> docs) {
        String host = regions.gatewayHost(region);
        String where = region.name() + " gateway Ingress";
        Ingress ingress = named(docs, Ingress.class, NAME);
        assertEquals(regions.ingress().className(), ingress.getSpec().getIngressClassName(), where);
        assertTrue(ingress.getSpec().getTls().stream().anyMatch(tls -> tls.getHosts().contains(host)
                && regions.gateway().tlsSecret().equals(tls.getSecretName())), where + ": TLS for " + host);
        Service gateway = named(docs, Service.class, NAME);
        assertEquals(1, ingress.getSpec().getRules().size(), where);
        for (IngressRule rule : ingress.getSpec().getRules()) {
            assertEquals(host, rule.getHost(), where);
            for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                var backend = path.getBackend().getService();
                assertEquals(NAME, backend.getName(), where + " " + path.getPath());
                assertTrue(gateway.getSpec().getPorts().stream().map(ServicePort::getName).anyMatch(backend.getPort().getName()::equals),
                        where + ": to a port of the gateway's Service");
                assertFalse(path.getPath().startsWith("/q") || ("Prefix".equals(path.getPathType()) && "/".equals(path.getPath())),
                        where + ": health and metrics (/q/) stay inside the cluster");
            }
        }
    }

    /** The HTTP alerts are per service of the namespace, with no filter that would leave the gateway out. */
    private static void alertedLikeTheServices(Regions.Region region, List<Document> docs) {
        var rules = named(docs, io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule.class, "image-registry");
        for (String alert : List.of("HttpServerErrors", "HttpSlow")) {
            String expr = rules.getSpec().getGroups().stream().flatMap(g -> g.getRules().stream())
                    .filter(rule -> alert.equals(rule.getAlert())).findFirst()
                    .orElseThrow(() -> new AssertionError(region.name() + ": no alert " + alert)).getExpr().getStrVal();
            assertTrue(expr.contains("service") && !expr.contains("service=") && !expr.contains("service!")
                    && expr.contains("namespace=\"" + region.namespace() + "\""), region.name() + " " + alert + " covers " + NAME);
        }
    }

    /** In: the ingress controller, the gateways of Regions in this cluster, Prometheus. Out: the services, the gateways. */
    private static void onlyTheNeededTraffic(Regions regions, Regions.Region region, List<Document> docs) {
        String where = region.name() + " gateway policy";
        NetworkPolicy policy = named(docs, NetworkPolicy.class, NAME);
        assertEquals(List.of("Ingress", "Egress"), policy.getSpec().getPolicyTypes(), where);
        Set<String> sameCluster = regions.regions().stream().filter(p -> p != region && !region.remoteFrom(p))
                .map(Regions.Region::namespace).collect(Collectors.toSet());
        boolean controller = false;
        for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
            assertFalse(rule.getFrom().isEmpty(), where + ": no rule admits everyone");
            assertFalse(rule.getPorts().isEmpty(), where + ": no rule admits every port");
            assertTrue(rule.getPorts().stream().allMatch(p -> p.getPort().getIntVal() == AwsGateway.PORT), where + ": its port only");
            for (NetworkPolicyPeer from : rule.getFrom()) {
                assertNull(from.getIpBlock(), where + ": outside callers come through the ingress controller");
                String namespace = namespaceOf(from);
                assertNotNull(namespace, where + ": " + from);
                if (from.getPodSelector() == null) {
                    assertTrue(namespace.equals(regions.ingress().controllerNamespace())
                            || namespace.equals(regions.monitoring().prometheusNamespace()), where + ": admits namespace " + namespace);
                    controller |= namespace.equals(regions.ingress().controllerNamespace());
                } else {
                    assertTrue(sameCluster.contains(namespace) && selectsName(from.getPodSelector(), NAME),
                            where + ": admits only other Regions' gateways, not " + from);
                }
            }
        }
        assertTrue(controller, where + ": admits the ingress controller");
        Map<String, Integer> services = new HashMap<>();
        ImageRegistryService.ALL.forEach(s -> services.put(s.name(), s.port()));
        Set<String> remoteCidrs = regions.regions().stream().filter(region::remoteFrom).map(p -> p.external().cidr())
                .collect(Collectors.toSet());
        for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
            assertFalse(rule.getTo().isEmpty(), where + ": an egress rule to anywhere");
            assertFalse(rule.getPorts().isEmpty(), where + ": an egress rule to every port");
            for (NetworkPolicyPeer to : rule.getTo()) {
                String name = to.getPodSelector() == null || to.getPodSelector().getMatchLabels() == null ? null
                        : to.getPodSelector().getMatchLabels().get("app.kubernetes.io/name");
                boolean dns = to.getPodSelector() != null && to.getPodSelector().getMatchLabels() != null
                        && "kube-dns".equals(to.getPodSelector().getMatchLabels().get("k8s-app"));
                boolean service = to.getNamespaceSelector() == null && to.getIpBlock() == null && services.containsKey(name)
                        && rule.getPorts().stream().allMatch(p -> services.get(name).equals(p.getPort().getIntVal()));
                boolean peerGateway = NAME.equals(name) && sameCluster.contains(namespaceOf(to))
                        && rule.getPorts().stream().allMatch(p -> p.getPort().getIntVal() == AwsGateway.PORT);
                boolean remoteGateway = to.getIpBlock() != null && remoteCidrs.contains(to.getIpBlock().getCidr());
                boolean collector = to.getPodSelector() == null && to.getIpBlock() == null
                        && regions.tracing().collectorNamespace().equals(namespaceOf(to))
                        && rule.getPorts().stream().allMatch(p -> p.getPort().getIntVal() == 4317);
                assertTrue(dns || service || peerGateway || remoteGateway || collector,
                        where + ": egress only to DNS, its services, the gateways, the collector; not " + to + " " + rule.getPorts());
            }
        }
    }

    /**
     * GATEWAY_REGIONS names every Region (this one too), each at the address this gateway can reach: in this cluster
     * that Region's gateway Service (whose policy admits this gateway), elsewhere the https:// host of its Ingress
     * (through the other cluster's ingress controller; egress to that Region's network on the URL's port).
     * Returns how many of the Regions named are in another cluster.
     */
    private static int namesEveryRegion(Regions regions, Regions.Region region, String value,
                                        Map<String, List<Document>> applied) {
        String where = region.name() + " GATEWAY_REGIONS";
        assertNotNull(value, where);
        Map<String, String> named = new LinkedHashMap<>();
        for (String entry : value.split(",")) {
            String[] parts = entry.split("=", 2);
            assertEquals(2, parts.length, where + ": name=url, not " + entry);
            assertNull(named.put(parts[0], parts[1]), where + " names " + parts[0] + " twice");
        }
        assertEquals(regions.regions().stream().map(Regions.Region::name).collect(Collectors.toSet()), named.keySet(),
                where + " names every Region of regions.yaml, this one included");
        NetworkPolicy own = named(applied.get(region.name()), NetworkPolicy.class, NAME);
        int remote = 0;
        for (Regions.Region other : regions.regions()) {
            URI url = URI.create(named.get(other.name()));
            String at = where + " " + other.name() + "=" + url;
            List<Document> theirs = applied.get(other.name());
            if (region.remoteFrom(other)) {
                remote++;
                assertEquals("https", url.getScheme(), at + ": another cluster's gateway over TLS");
                Ingress ingress = named(theirs, Ingress.class, NAME);
                assertTrue(ingress.getSpec().getRules().stream().anyMatch(rule -> url.getHost().equals(rule.getHost())),
                        at + ": the host of " + other.name() + "'s gateway Ingress");
                assertTrue(ingress.getSpec().getTls().stream().anyMatch(tls -> tls.getHosts().contains(url.getHost())), at + " TLS");
                assertTrue(url.getPath().isEmpty() || url.getPath().equals("/"), at);
                int port = url.getPort() > 0 ? url.getPort() : 443;
                assertTrue(own.getSpec().getEgress().stream().anyMatch(rule -> onPort(rule.getPorts(), port)
                                && rule.getTo().stream().anyMatch(to -> to.getIpBlock() != null
                                && other.external().cidr().equals(to.getIpBlock().getCidr()))),
                        at + ": egress to " + other.external().cidr() + " on " + port);
                continue;
            }
            assertEquals("http", url.getScheme(), at);
            assertEquals(NAME + "." + other.namespace() + ".svc", url.getHost(), at + ": that Region's gateway Service");
            Service service = named(theirs, Service.class, NAME);
            assertTrue(service.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == url.getPort()), at + ": its port");
            if (other == region) {
                continue;
            }
            assertTrue(own.getSpec().getEgress().stream().anyMatch(rule -> onPort(rule.getPorts(), AwsGateway.PORT)
                            && rule.getTo().stream().anyMatch(to -> other.namespace().equals(namespaceOf(to))
                            && selectsName(to.getPodSelector(), NAME))),
                    at + ": egress to that Region's gateway pods");
            NetworkPolicy policy = named(theirs, NetworkPolicy.class, NAME);
            assertTrue(policy.getSpec().getIngress().stream().anyMatch(rule -> onPort(rule.getPorts(), AwsGateway.PORT)
                            && rule.getFrom().stream().anyMatch(from -> region.namespace().equals(namespaceOf(from))
                            && selectsName(from.getPodSelector(), NAME))),
                    at + ": that gateway admits this one");
        }
        return remote;
    }

    // --- reading the applied objects

    /** The container's environment: its ConfigMaps, then its own variables (Secrets shown as &lt;secret name/key&gt;). */
    private static Map<String, String> env(List<Document> docs, Container container, String r) {
        Map<String, String> env = new HashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            assertNotNull(from.getConfigMapRef(), r + " gateway: environment from ConfigMaps only");
            env.putAll(named(docs, ConfigMap.class, from.getConfigMapRef().getName()).getData());
        }
        for (EnvVar variable : container.getEnv()) {
            env.put(variable.getName(), variable.getValue() != null ? variable.getValue() : "<secret "
                    + variable.getValueFrom().getSecretKeyRef().getName() + "/" + variable.getValueFrom().getSecretKeyRef().getKey() + ">");
        }
        return env;
    }

    private static <T extends HasMetadata> T named(List<Document> docs, Class<T> type, String name) {
        List<T> found = new ArrayList<>();
        docs.stream().filter(d -> type.isInstance(d.typed())).map(d -> d.as(type))
                .filter(o -> o.getMetadata().getName().equals(name)).forEach(found::add);
        assertEquals(1, found.size(), type.getSimpleName() + " " + name);
        return found.get(0);
    }

    private static boolean onPort(List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort> ports, int port) {
        return ports.stream().anyMatch(p -> p.getPort() != null && p.getPort().getIntVal() != null && p.getPort().getIntVal() == port);
    }

    private static boolean selectsName(LabelSelector selector, String name) {
        return selector != null && selector.getMatchLabels() != null && name.equals(selector.getMatchLabels().get("app.kubernetes.io/name"));
    }

    private static String namespaceOf(NetworkPolicyPeer peer) {
        LabelSelector namespaces = peer.getNamespaceSelector();
        return namespaces == null || namespaces.getMatchLabels() == null ? null
                : namespaces.getMatchLabels().get("kubernetes.io/metadata.name");
    }
}
