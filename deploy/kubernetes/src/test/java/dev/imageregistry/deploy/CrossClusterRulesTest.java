package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imageregistry.deploy.AppliedManifests.Document;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regions in different clusters meet over TLS with SCRAM, and read each other's blocks over HTTPS with a key pair
 * of their own: checked on the files users apply (regions.yaml's Regions, all in one cluster today: then nobody
 * gets peer credentials and neither Kafka nor MinIO is exposed) and on an
 * installation with a Region in another cluster (src/test/resources/cross-cluster-regions.yaml), rendered as
 * RenderRegions renders regions.yaml.
 */
class CrossClusterRulesTest {

    /**
     * What a replicator reads on a peer's Kafka (region-replicator: SourceFeed.TOPICS and DispatchFeed.TOPIC) and
     * its consumer groups there: its KafkaUser must allow exactly this, reading only.
     */
    private static final Set<String> REPLICATOR_READS = Set.of("image-events", "snapshot-events", "copy-events");

    private static List<String> groupsOf(Regions.Region reader) {
        return List.of("region-replicator." + reader.name(), "region-replicator." + reader.name() + ".dispatches");
    }

    @Test
    void theAppliedFilesMeetTheRules() throws IOException {
        check(AppliedManifests.MODULE, AppliedManifests.RENDERED);
    }

    @Test
    void aRegionInAnotherClusterIsReadOverTlsWithScramAndSecretsFromSecrets() throws IOException {
        Path module = AppliedManifests.renderCrossCluster();
        int pairs = check(module, module.resolve("rendered"));
        assertEquals(4, pairs, "ap-south-1 with each of us-east-1 and eu-west-1, both ways");
    }

    /** Checks every pair of Regions; returns how many pairs are in different clusters. */
    private static int check(Path module, Path rendered) throws IOException {
        Regions regions = Regions.read(module.resolve("regions.yaml"));
        Map<String, List<Document>> applied = new LinkedHashMap<>();
        for (Regions.Region region : regions.regions()) {
            applied.put(region.name(), AppliedManifests.read(rendered, region.name()));
        }
        int remotePairs = 0;
        for (Regions.Region region : regions.regions()) {
            Map<String, EnvVar> env = replicatorEnv(applied.get(region.name()), region.name());
            PodSpec pod = deployment(applied.get(region.name()), "region-replicator").getSpec().getTemplate().getSpec();
            boolean anyRemote = false;
            for (Regions.Region peer : regions.regions()) {
                if (peer == region) {
                    continue;
                }
                String prefix = RemotePeers.kafkaEnv(peer, "");
                String where = region.name() + "'s replicator reading " + peer.name();
                String s3Prefix = RemotePeers.s3Env(peer, "");
                if (!region.remoteFrom(peer)) {
                    assertTrue(env.keySet().stream().noneMatch(name -> name.startsWith(prefix) || name.startsWith(s3Prefix)),
                            where + ": same cluster, plain listener, in-cluster S3, no peer settings");
                    continue;
                }
                anyRemote = true;
                remotePairs++;
                replicatorUsesSaslSsl(where, prefix, env, pod);
                assertTrue(value(env, "REPLICATOR_REGIONS").contains(peer.name() + "=" + peer.external().kafkaBootstrap() + "|"),
                        where + ": at its external bootstrap address");
                egressReaches(where, networkPolicy(applied.get(region.name()), "region-replicator"), peer.external().cidr(),
                        peer.external().kafkaPort());
                peerExposesTlsScram(peer, region, applied.get(peer.name()));
                replicatorReadsBlocksOverHttps(where, peer, s3Prefix, env, pod);
                egressReaches(where, networkPolicy(applied.get(region.name()), "region-replicator"), peer.external().cidr(),
                        port(peer.external().s3Endpoint()));
                peerExposesBlocksOverTls(peer, region, applied.get(peer.name()));
            }
            JsonNode kafka = kind(applied.get(region.name()), "Kafka").get(0);
            boolean exposed = false;
            for (JsonNode listener : kafka.at("/spec/kafka/listeners")) {
                exposed |= !listener.path("type").asText().equals("internal");
            }
            assertEquals(anyRemote, exposed, region.name() + ": Kafka exposed outside its cluster exactly when a peer is elsewhere");
            assertEquals(anyRemote, !kind(applied.get(region.name()), "KafkaUser").isEmpty(), region.name() + " KafkaUsers");
            assertEquals(anyRemote, kind(applied.get(region.name()), "Ingress").stream()
                            .anyMatch(i -> i.at("/metadata/name").asText().equals(BlockStore.EXTERNAL)),
                    region.name() + ": blocks exposed outside the cluster exactly when a peer is elsewhere");
        }
        return remotePairs;
    }

    /** The peer's settings: SASL_SSL, SCRAM-SHA-512, its CA from a mounted Secret, the JAAS line from a Secret. */
    private static void replicatorUsesSaslSsl(String where, String prefix, Map<String, EnvVar> env, PodSpec pod) {
        assertEquals("SASL_SSL", value(env, prefix + "SECURITY_PROTOCOL"), where);
        assertEquals("SCRAM-SHA-512", value(env, prefix + "SASL_MECHANISM"), where);
        assertEquals("PEM", value(env, prefix + "SSL_TRUSTSTORE_TYPE"), where);
        EnvVar jaas = env.get(prefix + "SASL_JAAS_CONFIG");
        assertNotNull(jaas, where + ": SASL JAAS configuration (user and password)");
        assertEquals(null, jaas.getValue(), where + ": the password is never in a manifest");
        assertNotNull(jaas.getValueFrom() == null ? null : jaas.getValueFrom().getSecretKeyRef(), where + ": JAAS line from a Secret");
        assertEquals("sasl.jaas.config", jaas.getValueFrom().getSecretKeyRef().getKey(), where + ": the key Strimzi's user secret has");

        String truststore = value(env, prefix + "SSL_TRUSTSTORE_LOCATION");
        mountedSecretCa(where + " (Kafka)", truststore, pod);
    }

    /**
     * The peer's blocks: over HTTPS, trusting the CA mounted from Secret peer-s3-&lt;peer&gt;-ca, with the key pair of
     * Secret peer-s3-&lt;peer&gt; (secretKeyRefs, never values).
     */
    private static void replicatorReadsBlocksOverHttps(String where, Regions.Region peer, String prefix,
            Map<String, EnvVar> env, PodSpec pod) {
        assertTrue(value(env, "REPLICATOR_REGIONS").contains(peer.name() + "=" + peer.external().kafkaBootstrap() + "|"
                + peer.external().s3Endpoint() + "|"), where + ": its blocks at its external S3 endpoint");
        assertTrue(peer.external().s3Endpoint().startsWith("https://"), where + ": over HTTPS");
        assertEquals(RemotePeers.s3CaSecret(peer), mountedSecretCa(where + " (S3)", value(env, prefix + "CA_FILE"), pod),
                where + ": the S3 CA's Secret");
        for (String[] setting : new String[][] {{"ACCESS_KEY", "access-key"}, {"SECRET_KEY", "secret-key"}}) {
            EnvVar variable = env.get(prefix + setting[0]);
            assertNotNull(variable, where + ": " + prefix + setting[0]);
            assertEquals(null, variable.getValue(), where + ": a key is never in a manifest");
            assertNotNull(variable.getValueFrom() == null ? null : variable.getValueFrom().getSecretKeyRef(),
                    where + ": " + setting[0] + " from a Secret");
            assertEquals(RemotePeers.s3CredentialsSecret(peer), variable.getValueFrom().getSecretKeyRef().getName(),
                    where + ": its own key pair for that peer, not the shared one");
            assertEquals(setting[1], variable.getValueFrom().getSecretKeyRef().getKey(), where);
        }
    }

    /** {@code path} is the key ca.crt of a Secret mounted in the pod; returns that Secret's name. */
    private static String mountedSecretCa(String where, String path, PodSpec pod) {
        Container container = pod.getContainers().get(0);
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> path.startsWith(m.getMountPath() + "/")).findFirst()
                .orElseThrow(() -> new AssertionError(where + ": CA file " + path + " is not on a mounted volume"));
        // Not subPath: Kubernetes updates a Secret mounted whole, so a renewed CA copied again reaches the pod.
        assertEquals(null, mount.getSubPath(), where + ": the Secret mounted whole, so its updates arrive");
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertNotNull(volume.getSecret(), where + ": the peer's CA comes from a Secret");
        String file = path.substring(mount.getMountPath().length() + 1);
        assertTrue(volume.getSecret().getItems().stream().anyMatch(item -> item.getPath().equals(file) && item.getKey().equals("ca.crt")),
                where + ": " + file + " is the Secret's ca.crt");
        return volume.getSecret().getSecretName();
    }

    /**
     * The peer's blocks for the reader: an Ingress at the host of its s3Endpoint, TLS from the named Secret, to its
     * blocks-s3 Service, admitting the reader's network; MinIO admits the controller, not the world.
     */
    private static void peerExposesBlocksOverTls(Regions.Region peer, Regions.Region reader, List<Document> peerApplied) {
        String where = peer.name() + "'s blocks for " + reader.name();
        String host = peer.external().s3Host();
        Ingress ingress = peerApplied.stream().filter(d -> d.typed() instanceof Ingress).map(d -> d.as(Ingress.class))
                .filter(i -> i.getSpec().getRules().stream().anyMatch(r -> host.equals(r.getHost()))).findFirst()
                .orElseThrow(() -> new AssertionError(where + ": no Ingress for " + host));
        assertNotNull(ingress.getSpec().getIngressClassName(), where + ": for a named ingress controller");
        assertTrue(ingress.getSpec().getTls().stream().anyMatch(tls -> tls.getHosts().contains(host)
                        && BlockStore.EXTERNAL_TLS.equals(tls.getSecretName())),
                where + ": TLS for " + host + " from Secret " + BlockStore.EXTERNAL_TLS);
        Service blocks = peerApplied.stream().filter(d -> d.typed() instanceof Service).map(d -> d.as(Service.class))
                .filter(svc -> svc.getMetadata().getName().equals(BlockStore.NAME)).findFirst().orElseThrow();
        for (IngressRule rule : ingress.getSpec().getRules()) {
            assertEquals(host, rule.getHost(), where + ": no rule for any other host");
            assertNull(rule.getHttp().getPaths().stream().filter(path -> !goesTo(path, blocks)).findFirst().orElse(null),
                    where + ": every path goes to the " + BlockStore.NAME + " Service's S3 port");
        }
        String ranges = ingress.getMetadata().getAnnotations().get(BlockStore.SOURCE_RANGE_ANNOTATION);
        assertNotNull(ranges, where + ": restricted to the peers' networks");
        assertTrue(List.of(ranges.split(",")).contains(reader.external().cidr()), where + ": admits " + reader.external().cidr());
        assertFalse(List.of(ranges.split(",")).contains("0.0.0.0/0"), where + ": not the world");

        NetworkPolicy minio = networkPolicy(peerApplied, BlockStore.NAME);
        boolean controllerAdmitted = minio.getSpec().getIngress().stream().anyMatch(rule -> rule.getFrom().stream()
                .anyMatch(from -> from.getNamespaceSelector() != null && ingress.getSpec().getIngressClassName() != null
                        && from.getNamespaceSelector().getMatchLabels() != null
                        && from.getNamespaceSelector().getMatchLabels().containsKey("kubernetes.io/metadata.name")));
        assertTrue(controllerAdmitted, where + ": MinIO admits the ingress controller's namespace");
        assertTrue(minio.getSpec().getIngress().stream().flatMap(rule -> rule.getFrom().stream())
                .noneMatch(from -> from.getIpBlock() != null), where + ": MinIO itself admits no outside network");
    }

    private static boolean goesTo(HTTPIngressPath path, Service service) {
        var backend = path.getBackend().getService();
        if (backend == null || !backend.getName().equals(service.getMetadata().getName())) {
            return false;
        }
        return service.getSpec().getPorts().stream().anyMatch(port -> port.getName().equals(backend.getPort().getName())
                || port.getPort().equals(backend.getPort().getNumber()));
    }

    private static int port(String url) {
        java.net.URI uri = java.net.URI.create(url);
        return uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    /** The peer's Kafka: a TLS, SCRAM-SHA-512 listener at its external port admitting the reader; a read-only user. */
    private static void peerExposesTlsScram(Regions.Region peer, Regions.Region reader, List<Document> peerApplied) {
        String where = peer.name() + "'s Kafka for " + reader.name();
        JsonNode kafka = kind(peerApplied, "Kafka").get(0);
        JsonNode external = null;
        for (JsonNode listener : kafka.at("/spec/kafka/listeners")) {
            if (listener.path("port").asInt() == peer.external().kafkaPort()) {
                external = listener;
            }
        }
        assertNotNull(external, where + ": a listener on port " + peer.external().kafkaPort());
        assertTrue(external.path("tls").asBoolean(), where + ": TLS");
        assertEquals("scram-sha-512", external.at("/authentication/type").asText(), where + ": SCRAM-SHA-512");
        assertFalse(external.path("type").asText().equals("internal"), where + ": reachable from another cluster");
        Set<String> admitted = new HashSet<>();
        external.path("networkPolicyPeers").forEach(p -> admitted.add(p.at("/ipBlock/cidr").asText()));
        assertTrue(admitted.contains(reader.external().cidr()), where + ": admits " + reader.external().cidr());
        assertEquals("simple", kafka.at("/spec/kafka/authorization/type").asText(), where + ": ACLs are enforced");
        assertTrue(kafka.at("/spec/entityOperator/userOperator").isObject(), where + ": the user operator makes the KafkaUsers");
        String host = peer.external().kafkaHost();
        boolean inCertificate = false;
        for (JsonNode name : external.at("/configuration/bootstrap/alternativeNames")) {
            inCertificate |= name.asText().equals(host);
        }
        assertTrue(inCertificate, where + ": " + host + " is in the brokers' certificate");

        JsonNode user = kind(peerApplied, "KafkaUser").stream()
                .filter(u -> u.at("/metadata/name").asText().equals(KafkaCluster.replicatorUser(reader))).findFirst()
                .orElseThrow(() -> new AssertionError(where + ": no KafkaUser " + KafkaCluster.replicatorUser(reader)));
        assertEquals(kafka.at("/metadata/name").asText(), user.at("/metadata/labels/strimzi.io~1cluster").asText(), where);
        assertEquals("scram-sha-512", user.at("/spec/authentication/type").asText(), where + ": user authentication");
        assertEquals("simple", user.at("/spec/authorization/type").asText(), where);
        Set<String> readableTopics = new HashSet<>();
        Set<String> readableGroups = new HashSet<>();
        for (JsonNode acl : user.at("/spec/authorization/acls")) {
            Set<String> operations = new HashSet<>();
            acl.path("operations").forEach(o -> operations.add(o.asText()));
            assertTrue(Set.of("Read", "Describe").containsAll(operations), where + ": only reads, not " + operations);
            // Strimzi's default pattern type is literal (and its api classes leave the default out).
            assertEquals("literal", acl.at("/resource/patternType").asText("literal"), where + ": no prefix pattern");
            assertFalse(acl.at("/resource/name").asText().contains("*"), where + ": no wildcard");
            if (operations.contains("Read")) {
                (acl.at("/resource/type").asText().equals("topic") ? readableTopics : readableGroups)
                        .add(acl.at("/resource/name").asText());
            }
        }
        assertEquals(REPLICATOR_READS, readableTopics, where + ": the topics its feeds follow");
        assertEquals(Set.copyOf(groupsOf(reader)), readableGroups, where + ": its consumer groups");
    }

    private static void egressReaches(String where, NetworkPolicy policy, String cidr, int port) {
        for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
            boolean toCidr = rule.getTo().stream().anyMatch(p -> p.getIpBlock() != null && cidr.equals(p.getIpBlock().getCidr()));
            boolean onPort = rule.getPorts().isEmpty() || rule.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == port);
            if (toCidr && onPort) {
                return;
            }
        }
        throw new AssertionError(where + ": no egress to " + cidr + " on port " + port);
    }

    // --- reading the applied objects

    /** The replicator container's environment: its ConfigMaps, then its own variables (which win, as in Kubernetes). */
    private static Map<String, EnvVar> replicatorEnv(List<Document> documents, String region) {
        Map<String, ConfigMap> maps = new HashMap<>();
        documents.stream().filter(d -> d.typed() instanceof ConfigMap).map(d -> d.as(ConfigMap.class))
                .forEach(m -> maps.put(m.getMetadata().getName(), m));
        Container container = deployment(documents, "region-replicator").getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, EnvVar> env = new HashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            ConfigMap map = maps.get(from.getConfigMapRef().getName());
            assertNotNull(map, region + ": ConfigMap " + from.getConfigMapRef().getName());
            map.getData().forEach((key, value) -> env.put(key, new EnvVar(key, value, null)));
        }
        container.getEnv().forEach(variable -> env.put(variable.getName(), variable));
        return env;
    }

    private static String value(Map<String, EnvVar> env, String name) {
        EnvVar variable = env.get(name);
        assertNotNull(variable, name);
        return variable.getValue();
    }

    private static Deployment deployment(List<Document> documents, String name) {
        return documents.stream().filter(d -> d.typed() instanceof Deployment).map(d -> d.as(Deployment.class))
                .filter(d -> d.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }

    private static NetworkPolicy networkPolicy(List<Document> documents, String name) {
        return documents.stream().filter(d -> d.typed() instanceof NetworkPolicy).map(d -> d.as(NetworkPolicy.class))
                .filter(p -> p.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }

    private static List<JsonNode> kind(List<Document> documents, String kind) {
        List<JsonNode> found = new ArrayList<>();
        documents.stream().filter(d -> d.kind().equals(kind)).forEach(d -> found.add(d.tree()));
        return found;
    }
}
