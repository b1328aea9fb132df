package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRuleBuilder;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.RuleBuilder;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitorBuilder;
import io.strimzi.api.kafka.model.common.template.ExternalTrafficPolicy;
import io.strimzi.api.kafka.model.kafka.JbodStorageBuilder;
import io.strimzi.api.kafka.model.kafka.entityoperator.EntityUserOperatorSpec;
import io.strimzi.api.kafka.model.kafka.KafkaAuthorizationSimple;
import io.strimzi.api.kafka.model.kafka.KafkaAuthorizationSimpleBuilder;
import io.strimzi.api.kafka.model.kafka.KRaftMetadataStorage;
import io.strimzi.api.kafka.model.kafka.KafkaBuilder;
import io.strimzi.api.kafka.model.kafka.PersistentClaimStorageBuilder;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListenerBuilder;
import io.strimzi.api.kafka.model.kafka.listener.KafkaListenerType;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePoolBuilder;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopicBuilder;
import io.strimzi.api.kafka.model.user.KafkaUserBuilder;
import io.strimzi.api.kafka.model.user.acl.AclOperation;
import io.strimzi.api.kafka.model.user.acl.AclResourcePatternType;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleBuilder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything one Region applies, as typed objects, grouped by the file they are written to. Files are applied
 * in name order by {@code kubectl apply -f}, so the Namespace comes first.
 */
public final class RegionManifests {

    public static final String PART_OF = "image-registry";
    public static final String KAFKA_CLUSTER = "events";
    /** Strimzi's v1 API: served from 0.49 on, the only one from 1.0 on. */
    public static final String STRIMZI_API = "kafka.strimzi.io/v1";
    public static final String DATABASE_CLUSTER = "image-registry-db";
    public static final String BLOCKS = "blocks-s3";
    public static final String BLOCKS_SECRET = "blocks-s3-credentials";
    public static final String MINIO_ROOT_SECRET = "blocks-s3-root";
    public static final int S3_PORT = 9000;
    public static final int KAFKA_PORT = 9092;
    /** The listener Regions in other clusters read through: TLS, SCRAM-SHA-512, ACLs per peer replicator. */
    public static final String EXTERNAL_LISTENER = "external";
    /** What a peer's replicator reads on this Region's Kafka (its source feed and its dispatch feed); it writes nothing. */
    public static final List<String> PEER_READS = List.of("image-events", "snapshot-events", "copy-events");
    /** The replicator's per-peer Kafka client settings (imageregistry.replicator.peer-kafka.&lt;region&gt;.*) as env. */
    public static final String PEER_KAFKA_ENV = "IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_";
    public static final String PEER_CA_DIRECTORY = "/etc/image-registry/peers/";
    /** The replicator's per-peer S3 settings (imageregistry.replicator.peer-s3.&lt;region&gt;.*) as env. */
    public static final String PEER_S3_ENV = "IMAGEREGISTRY_REPLICATOR_PEER_S3_";
    /** Where a peer's S3 CA is mounted: its own directory, beside (not inside) the Kafka CA's read-only mount. */
    public static final String PEER_S3_CA_DIRECTORY = "/etc/image-registry/peer-s3/";
    /** The Ingress exposing this Region's blocks to peers in other clusters, and its certificate's Secret. */
    public static final String BLOCKS_EXTERNAL = BLOCKS + "-external";
    public static final String BLOCKS_EXTERNAL_TLS = BLOCKS + "-external-tls";
    /** ingress-nginx's annotation: only these client networks get an answer (others get 403 from the controller). */
    public static final String SOURCE_RANGE_ANNOTATION = "nginx.ingress.kubernetes.io/whitelist-source-range";
    public static final String OTEL_AGENT = "/opt/otel/opentelemetry-javaagent.jar";
    /** The user of the ubi9 OpenJDK runtime image the Dockerfiles build on. */
    static final long APP_UID = 185;
    static final long MINIO_UID = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

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
        files.put("10-config.yaml", configMaps());
        files.put("20-kafka.yaml", kafka());
        files.put("30-database.yaml", database());
        files.put("40-blocks.yaml", blocks());
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            files.put("50-" + service.name() + ".yaml", service(service));
        }
        files.put("50-" + AwsGateway.NAME + ".yaml", gateway());
        files.put("90-monitoring.yaml", List.of(serviceMonitor(), alerts()));
        return files;
    }

    // ---------------------------------------------------------------- namespace and configuration

    private Object namespace() {
        return new NamespaceBuilder().withNewMetadata().withName(region.namespace())
                .addToLabels(labels(null))
                // The app pods meet "restricted"; the operators' pods are only guaranteed "baseline".
                .addToLabels("pod-security.kubernetes.io/enforce", "baseline")
                .addToLabels("pod-security.kubernetes.io/warn", "restricted")
                .addToLabels("pod-security.kubernetes.io/audit", "restricted")
                .endMetadata().build();
    }

    private List<Object> configMaps() {
        List<Object> maps = new ArrayList<>();
        maps.add(new ConfigMapBuilder().withMetadata(meta("image-registry", null)).withData(sharedConfig()).build());
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            maps.add(new ConfigMapBuilder().withMetadata(meta(service.name() + "-config", service.name()))
                    .withData(serviceConfig(service)).build());
        }
        maps.add(new ConfigMapBuilder().withMetadata(meta(AwsGateway.NAME + "-config", AwsGateway.NAME))
                .withData(gatewayConfig()).build());
        return maps;
    }

    Map<String, String> sharedConfig() {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("REGION", region.name());
        data.put("KAFKA_BOOTSTRAP_SERVERS", KAFKA_CLUSTER + "-kafka-bootstrap:" + KAFKA_PORT);
        data.put("JWT_ISSUER", all.identity().issuer());
        data.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", "/etc/image-registry/identity/" + all.identity().publicKeyFile());
        data.putAll(javaAgentConfig(true));
        return data;
    }

    /**
     * The JVM's options and the OpenTelemetry agent's settings, the same in every service and the gateway;
     * {@code dataClients}: with the settings of the Kafka and JDBC instrumentations (the gateway has neither).
     */
    private Map<String, String> javaAgentConfig(boolean dataClients) {
        Map<String, String> data = new LinkedHashMap<>();
        // The OpenTelemetry agent (quarkus-opentelemetry does not resolve for this Quarkus version) records the
        // spans: HTTP, Kafka clients, the S3 HTTP client, and the platform's own (outbox relay, projections, copy
        // worker), which carry W3C trace context across the outbox and the copy queue: one copy is one trace.
        data.put("JAVA_TOOL_OPTIONS", "-javaagent:" + OTEL_AGENT);
        data.put("OTEL_EXPORTER_OTLP_ENDPOINT", all.tracing().otlpEndpoint());
        data.put("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
        data.put("OTEL_TRACES_EXPORTER", "otlp");
        data.put("OTEL_METRICS_EXPORTER", "none");
        data.put("OTEL_LOGS_EXPORTER", "none");
        data.put("OTEL_PROPAGATORS", "tracecontext,baggage");
        // Parent-based: a copy sampled where it was asked for stays sampled in every service and Region it crosses.
        data.put("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
        data.put("OTEL_TRACES_SAMPLER_ARG", all.tracing().sampleRatio());
        if (dataClients) {
            data.put("OTEL_INSTRUMENTATION_KAFKA_EXPERIMENTAL_SPAN_ATTRIBUTES", "true");
            // A span per SQL statement would dwarf a copy's trace (the relay, projections and progress run several per
            // event) and costs in every request; turn it on while diagnosing the database.
            data.put("OTEL_INSTRUMENTATION_JDBC_ENABLED", "false");
        }
        data.put("OTEL_RESOURCE_ATTRIBUTES", "cloud.region=" + region.name() + ",k8s.namespace.name=" + region.namespace());
        return data;
    }

    Map<String, String> serviceConfig(ImageRegistryService service) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("HTTP_PORT", Integer.toString(service.port()));
        data.put("DB_URL", "jdbc:postgresql://" + DATABASE_CLUSTER + "-rw:5432/" + service.database());
        data.put("OTEL_SERVICE_NAME", service.name());
        if (service.storesBlocks()) {
            data.put("S3_ENDPOINT", "http://" + BLOCKS + ":" + S3_PORT);
            data.put("S3_BUCKET", all.blocks().bucket());
        }
        if (service.name().equals("region-replicator")) {
            data.put("REPLICATOR_REGIONS", String.join(",", peers().stream().map(this::peerAddress).toList()));
            // A peer in another cluster is read through its external listener: TLS with that cluster's CA (mounted
            // from a Secret, see peerCaSecret) and SCRAM (the JAAS line comes from a Secret, in the Deployment).
            for (Region peer : remotePeers()) {
                data.put(peerKafkaEnv(peer, "SECURITY_PROTOCOL"), "SASL_SSL");
                data.put(peerKafkaEnv(peer, "SASL_MECHANISM"), "SCRAM-SHA-512");
                data.put(peerKafkaEnv(peer, "SSL_TRUSTSTORE_TYPE"), "PEM");
                data.put(peerKafkaEnv(peer, "SSL_TRUSTSTORE_LOCATION"), PEER_CA_DIRECTORY + peer.name() + "/ca.crt");
                // Its blocks, over HTTPS at its Ingress: trusted with its CA only (mounted from a Secret); its key
                // pair (a read-only user on its MinIO) comes from a Secret, in the Deployment.
                data.put(peerS3Env(peer, "CA_FILE"), PEER_S3_CA_DIRECTORY + peer.name() + "/ca.crt");
            }
        }
        return data;
    }

    /**
     * What the aws-gateway reads (its whole configuration: it is given no Kafka, database or S3 settings): this
     * Region's services by their Service names, every Region's gateway as this one reaches it, the mounted Secrets'
     * files, and the identity provider's issuer, which the tokens it signs for the services carry.
     */
    Map<String, String> gatewayConfig() {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("HTTP_PORT", Integer.toString(AwsGateway.PORT));
        data.put("REGION", region.name());
        data.put("JWT_ISSUER", all.identity().issuer());
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            data.put(AwsGateway.SERVICE_URL_VARIABLES.get(service.name()), "http://" + service.name() + ":" + service.port());
        }
        data.put("GATEWAY_REGIONS", String.join(",", all.regions().stream().map(r -> r.name() + "=" + gatewayAddress(r)).toList()));
        data.put("GATEWAY_ACCOUNT_ALIASES", String.join(",", all.gateway().accountAliases().entrySet().stream()
                .map(alias -> alias.getKey() + "=" + alias.getValue()).toList()));
        // Paths of files on Secret volumes (see gateway()), not secrets.
        data.put("GATEWAY_ACCESS_KEYS_FILE", AwsGateway.ACCESS_KEYS_DIRECTORY + "/" + Regions.Gateway.ACCESS_KEYS_FILE);
        data.put("TOKEN_SIGNING_KEY_LOCATION", AwsGateway.SIGNING_KEY_DIRECTORY + "/" + all.identity().gatewaySigningKeyFile());
        data.put("OTEL_SERVICE_NAME", AwsGateway.NAME);
        data.putAll(javaAgentConfig(false));
        return data;
    }

    /**
     * {@code other}'s gateway as this Region's gateway reaches it: in the same cluster (this Region too) its Service,
     * in another cluster its Ingress (https://, the host of its certificate).
     */
    String gatewayAddress(Region other) {
        if (region.remoteFrom(other)) {
            return all.gatewayUrl(other);
        }
        return "http://" + AwsGateway.NAME + "." + other.namespace() + ".svc:" + AwsGateway.PORT;
    }

    /** The environment variable of one Kafka client setting of {@code peer}, e.g. ..._US_EAST_1_SASL_MECHANISM. */
    public static String peerKafkaEnv(Region peer, String setting) {
        return PEER_KAFKA_ENV + peer.name().toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_" + setting;
    }

    /** The environment variable of one S3 setting of {@code peer}, e.g. ..._PEER_S3_US_EAST_1_ACCESS_KEY. */
    public static String peerS3Env(Region peer, String setting) {
        return PEER_S3_ENV + peer.name().toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_" + setting;
    }

    /**
     * The Secret (in this namespace) with keys {@code access-key} and {@code secret-key}: this Region's read-only user
     * on {@code peer}'s MinIO (deploy/README.md shows how it is made and copied).
     */
    public static String peerS3CredentialsSecret(Region peer) {
        return "peer-s3-" + peer.name();
    }

    /** The Secret (in this namespace) with key {@code ca.crt}: the CA {@code peer}'s blocks Ingress certificate is from. */
    public static String peerS3CaSecret(Region peer) {
        return "peer-s3-" + peer.name() + "-ca";
    }

    /**
     * The Secret (in this namespace) with key {@code sasl.jaas.config}: a copy of the one Strimzi's user operator
     * writes for this Region's KafkaUser in the peer's namespace (deploy/README.md shows the copy).
     */
    public static String peerCredentialsSecret(Region peer) {
        return "peer-kafka-" + peer.name();
    }

    /** The Secret (in this namespace) with key {@code ca.crt}: a copy of the peer's {@code <cluster>-cluster-ca-cert}. */
    public static String peerCaSecret(Region peer) {
        return "peer-kafka-" + peer.name() + "-ca";
    }

    /** The KafkaUser, in a Region's namespace, that {@code reader}'s replicator (in another cluster) reads it as. */
    public static String replicatorUser(Region reader) {
        return "region-replicator-" + reader.name();
    }

    /** Peers in other clusters: they reach each other at their external addresses, over TLS with SCRAM. */
    List<Region> remotePeers() {
        return peers().stream().filter(region::remoteFrom).toList();
    }

    List<Region> peers() {
        return all.regions().stream().filter(r -> !r.name().equals(region.name())).toList();
    }

    /** {@code region=kafkaBootstrap|s3Endpoint|registryUrl}, as the replicator's REPLICATOR_REGIONS expects. */
    private String peerAddress(Region peer) {
        String suffix = "." + peer.namespace() + ".svc";
        if (region.remoteFrom(peer)) {
            return peer.name() + "=" + peer.external().kafkaBootstrap() + "|" + peer.external().s3Endpoint() + "|"
                    + peer.external().registryUrl();
        }
        String kafka = KAFKA_CLUSTER + "-kafka-bootstrap" + suffix + ":" + KAFKA_PORT;
        String s3 = "http://" + BLOCKS + suffix + ":" + S3_PORT;
        String registry = "http://registry-service" + suffix + ":8081";
        return peer.name() + "=" + kafka + "|" + s3 + "|" + registry;
    }

    // ---------------------------------------------------------------- Kafka (Strimzi, KRaft node pools)

    private List<Object> kafka() {
        List<Object> objects = new ArrayList<>();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("default.replication.factor", 3);
        config.put("min.insync.replicas", 2);
        config.put("offsets.topic.replication.factor", 3);
        config.put("transaction.state.log.replication.factor", 3);
        config.put("transaction.state.log.min.isr", 2);
        // Topics are declared below; a typo in a topic name must fail, not create a topic that keeps 7 days.
        config.put("auto.create.topics.enable", false);
        config.put("log.retention.ms", -1);
        List<GenericKafkaListener> listeners = new ArrayList<>();
        listeners.add(new GenericKafkaListenerBuilder()
                .withName("plain").withPort(KAFKA_PORT).withType(KafkaListenerType.INTERNAL).withTls(false)
                .withNetworkPolicyPeers(kafkaClients())
                .build());
        KafkaAuthorizationSimple authorization = null;
        if (!remotePeers().isEmpty()) {
            listeners.add(externalListener());
            // ACLs bind the peers' replicators (KafkaUsers below) to reading. The plain listener has no
            // authentication, so its clients (this Region's services and same-cluster peers, admitted by its
            // network policy only) are ANONYMOUS: a super user, as they were without an authorizer.
            authorization = new KafkaAuthorizationSimpleBuilder().withSuperUsers("ANONYMOUS").build();
        }
        objects.add(strimziV1(new KafkaBuilder()
                .withMetadata(meta(KAFKA_CLUSTER, "kafka"))
                .withNewSpec()
                .withNewKafka()
                .withListeners(listeners)
                .withAuthorization(authorization)
                .withConfig(config)
                .endKafka()
                // The user operator turns the peers' KafkaUsers into SCRAM credentials, ACLs and Secrets.
                .withNewEntityOperator().withNewTopicOperator().endTopicOperator()
                .withUserOperator(remotePeers().isEmpty() ? null : new EntityUserOperatorSpec()).endEntityOperator()
                .endSpec()
                .build()));
        objects.add(nodePool("controllers", ProcessRoles.CONTROLLER, all.kafka().controllerStorage(), "500m", "2Gi"));
        objects.add(nodePool("brokers", ProcessRoles.BROKER, all.kafka().brokerStorage(), "1", "8Gi"));
        for (Region reader : remotePeers()) {
            objects.add(replicatorKafkaUser(reader));
        }
        for (String topic : ImageRegistryService.TOPICS) {
            objects.add(strimziV1(new KafkaTopicBuilder()
                    .withMetadata(new ObjectMetaBuilder(meta(topic, "kafka"))
                            .addToLabels("strimzi.io/cluster", KAFKA_CLUSTER).build())
                    .withNewSpec()
                    .withPartitions(all.kafka().partitions())
                    .withReplicas(3)
                    // Events are the source of truth every read model is rebuilt from: keep them forever.
                    .addToConfig("retention.ms", -1)
                    .addToConfig("retention.bytes", -1)
                    .addToConfig("cleanup.policy", "delete")
                    .addToConfig("min.insync.replicas", 2)
                    .endSpec()
                    .build()));
        }
        return objects;
    }

    /**
     * The listener for Regions in other clusters: a LoadBalancer (one for bootstrap, one per broker), because it
     * works on every cloud and on MetalLB without anything else installed; an Ingress would need a controller with
     * TLS passthrough switched on, and a Route exists only on OpenShift. TLS with the cluster CA, SCRAM-SHA-512.
     * Only the peers' networks get in: the load balancers' source ranges, and the network policy (which sees the
     * clients' addresses because the traffic policy is Local).
     */
    private GenericKafkaListener externalListener() {
        Regions.External external = region.external();
        if (external.kafkaPort() == KAFKA_PORT || external.kafkaPort() < 9092) {
            throw new IllegalArgumentException(region.name() + ": external.kafkaBootstrap needs a port above " + KAFKA_PORT
                    + " (the plain listener's), e.g. 9094");
        }
        List<String> cidrs = remotePeers().stream().map(peer -> peer.external().cidr()).distinct().toList();
        return new GenericKafkaListenerBuilder()
                .withName(EXTERNAL_LISTENER).withPort(external.kafkaPort()).withType(KafkaListenerType.LOADBALANCER)
                .withTls(true)
                .withNewKafkaListenerAuthenticationScramSha512Auth().endKafkaListenerAuthenticationScramSha512Auth()
                .withNewConfiguration()
                // The name peers connect to must be in the brokers' certificate, or TLS hostname checks fail.
                .withNewBootstrap().withAlternativeNames(external.kafkaHost()).endBootstrap()
                .withExternalTrafficPolicy(ExternalTrafficPolicy.LOCAL)
                .withLoadBalancerSourceRanges(cidrs)
                .endConfiguration()
                .withNetworkPolicyPeers(cidrs.stream().map(cidr -> new NetworkPolicyPeerBuilder().withNewIpBlock()
                        .withCidr(cidr).endIpBlock().build()).toList())
                .build();
    }

    /** The user a peer's replicator (in another cluster) reads this Region as: read-only, on what its feeds follow. */
    private Object replicatorKafkaUser(Region reader) {
        List<AclRule> acls = new ArrayList<>();
        for (String topic : PEER_READS) {
            acls.add(new AclRuleBuilder().withNewAclRuleTopicResource().withName(topic)
                    .withPatternType(AclResourcePatternType.LITERAL).endAclRuleTopicResource()
                    .withOperations(AclOperation.READ, AclOperation.DESCRIBE).build());
        }
        // The consumer groups of its source feed and of its dispatch feed (region-replicator's SourceFeed, DispatchFeed).
        for (String group : List.of("region-replicator." + reader.name(), "region-replicator." + reader.name() + ".dispatches")) {
            acls.add(new AclRuleBuilder().withNewAclRuleGroupResource().withName(group)
                    .withPatternType(AclResourcePatternType.LITERAL).endAclRuleGroupResource()
                    .withOperations(AclOperation.READ).build());
        }
        return strimziV1(new KafkaUserBuilder()
                .withMetadata(new ObjectMetaBuilder(meta(replicatorUser(reader), "kafka"))
                        .addToLabels("strimzi.io/cluster", KAFKA_CLUSTER).build())
                .withNewSpec()
                .withNewKafkaUserScramSha512ClientAuthentication().endKafkaUserScramSha512ClientAuthentication()
                .withNewKafkaUserAuthorizationSimple().withAcls(acls).endKafkaUserAuthorizationSimple()
                .endSpec()
                .build());
    }

    private Object nodePool(String name, ProcessRoles role, String storage, String cpu, String memory) {
        return strimziV1(new KafkaNodePoolBuilder()
                .withMetadata(new ObjectMetaBuilder(meta(name, "kafka")).addToLabels("strimzi.io/cluster", KAFKA_CLUSTER).build())
                .withNewSpec()
                .withReplicas(3)
                .withRoles(role)
                .withStorage(new JbodStorageBuilder().withVolumes(new PersistentClaimStorageBuilder()
                        .withId(0).withSize(storage).withDeleteClaim(false)
                        .withKraftMetadata(KRaftMetadataStorage.SHARED).build()).build())
                .withResources(resources(cpu, cpu, memory))
                .endSpec()
                .build());
    }

    /**
     * The api classes (0.51, the newest built for Java 17) serialize as v1beta2; the fields used here are the same
     * in v1, which Strimzi 1.x requires, so the objects are written as v1.
     */
    private static Object strimziV1(Object resource) {
        ObjectNode tree = JSON.valueToTree(resource);
        tree.put("apiVersion", STRIMZI_API);
        return tree;
    }

    /**
     * Who may open the plain listener: this Region's services, and the replicators of the Regions in this cluster
     * copying from it (those in other clusters use the external listener).
     */
    private List<NetworkPolicyPeer> kafkaClients() {
        List<NetworkPolicyPeer> peers = new ArrayList<>();
        peers.add(new NetworkPolicyPeerBuilder().withNewPodSelector()
                .addToMatchLabels("app.kubernetes.io/part-of", PART_OF).endPodSelector().build());
        peers.addAll(peerReplicators().stream().filter(peer -> peer.getIpBlock() == null).toList());
        return peers;
    }

    private List<NetworkPolicyPeer> peerReplicators() {
        List<NetworkPolicyPeer> peers = new ArrayList<>();
        for (Region peer : peers()) {
            if (region.remoteFrom(peer)) {
                peers.add(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(peer.external().cidr()).endIpBlock().build());
            } else {
                peers.add(new NetworkPolicyPeerBuilder()
                        .withNamespaceSelector(namespaceSelector(peer.namespace()))
                        .withNewPodSelector().addToMatchLabels("app.kubernetes.io/name", "region-replicator").endPodSelector()
                        .build());
            }
        }
        return peers;
    }

    // ---------------------------------------------------------------- PostgreSQL (CloudNativePG)

    private List<Object> database() {
        List<Object> objects = new ArrayList<>();
        List<Map<String, Object>> roles = new ArrayList<>();
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            Map<String, Object> role = new LinkedHashMap<>();
            role.put("name", service.database());
            role.put("ensure", "present");
            role.put("login", true);
            role.put("passwordSecret", Map.of("name", service.databaseSecret()));
            roles.add(role);
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("instances", all.database().instances());
        spec.put("storage", Map.of("size", all.database().storage()));
        spec.put("postgresql", Map.of("parameters", new TreeMap<>(Map.of("max_connections", "300"))));
        spec.put("managed", Map.of("roles", roles));
        spec.put("resources", resourcesMap("1", "2", "4Gi"));
        Map<String, Object> affinity = new LinkedHashMap<>();
        affinity.put("enablePodAntiAffinity", true);
        affinity.put("topologyKey", "kubernetes.io/hostname");
        spec.put("affinity", affinity);
        objects.add(new GenericKubernetesResourceBuilder()
                .withApiVersion("postgresql.cnpg.io/v1").withKind("Cluster")
                .withMetadata(meta(DATABASE_CLUSTER, "postgresql"))
                .withAdditionalProperties(Map.of("spec", spec))
                .build());
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            Map<String, Object> db = new LinkedHashMap<>();
            db.put("name", service.database());
            db.put("owner", service.database());
            db.put("cluster", Map.of("name", DATABASE_CLUSTER));
            db.put("ensure", "present");
            objects.add(new GenericKubernetesResourceBuilder()
                    .withApiVersion("postgresql.cnpg.io/v1").withKind("Database")
                    .withMetadata(meta(DATABASE_CLUSTER + "-" + service.database(), "postgresql"))
                    .withAdditionalProperties(Map.of("spec", db))
                    .build());
        }
        return objects;
    }

    // ---------------------------------------------------------------- blocks: MinIO in distributed mode

    private List<Object> blocks() {
        List<Object> objects = new ArrayList<>();
        int servers = all.blocks().servers();
        String hosts = "http://" + BLOCKS + "-{0..." + (servers - 1) + "}." + BLOCKS + "-hl." + region.namespace()
                + ".svc.cluster.local/data";
        objects.add(new ServiceAccountBuilder().withMetadata(meta(BLOCKS, BLOCKS)).withAutomountServiceAccountToken(false).build());
        objects.add(new ServiceBuilder().withMetadata(meta(BLOCKS, BLOCKS)).withNewSpec()
                .withSelector(selector(BLOCKS))
                .addNewPort().withName("s3").withPort(S3_PORT).withTargetPort(new IntOrString("s3")).endPort()
                .endSpec().build());
        objects.add(new ServiceBuilder().withMetadata(meta(BLOCKS + "-hl", BLOCKS)).withNewSpec()
                .withClusterIP("None").withPublishNotReadyAddresses(true)
                .withSelector(selector(BLOCKS))
                .addNewPort().withName("s3").withPort(S3_PORT).withTargetPort(new IntOrString("s3")).endPort()
                .endSpec().build());
        Container minio = new ContainerBuilder()
                .withName("minio").withImage(all.images().minio())
                .withArgs("server", hosts, "--certs-dir", "/tmp/certs", "--console-address", ":9001")
                .withEnv(secretEnv("MINIO_ROOT_USER", MINIO_ROOT_SECRET, "username"),
                        secretEnv("MINIO_ROOT_PASSWORD", MINIO_ROOT_SECRET, "password"),
                        new EnvVarBuilder().withName("MINIO_PROMETHEUS_AUTH_TYPE").withValue("public").build())
                .addNewPort().withName("s3").withContainerPort(S3_PORT).endPort()
                .withStartupProbe(probe("/minio/health/live", "s3", 30))
                .withLivenessProbe(probe("/minio/health/live", "s3", 3))
                .withReadinessProbe(probe("/minio/health/ready", "s3", 3))
                .withResources(resources("1", "2", "4Gi"))
                .withSecurityContext(containerSecurity(MINIO_UID))
                .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .build();
        objects.add(new StatefulSetBuilder().withMetadata(meta(BLOCKS, BLOCKS)).withNewSpec()
                .withServiceName(BLOCKS + "-hl")
                .withReplicas(servers)
                // Distributed MinIO waits for all its servers: they must start together.
                .withPodManagementPolicy("Parallel")
                .withNewSelector().withMatchLabels(selector(BLOCKS)).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(BLOCKS)).endMetadata()
                .withNewSpec()
                .withServiceAccountName(BLOCKS).withAutomountServiceAccountToken(false)
                .withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(MINIO_UID)
                        .withRunAsGroup(MINIO_UID).withFsGroup(MINIO_UID)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build())
                .withTopologySpreadConstraints(spread(BLOCKS))
                .withContainers(minio)
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                .addNewVolumeClaimTemplate().withNewMetadata().withName("data").endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources().addToRequests("storage", new Quantity(all.blocks().storagePerServer())).endResources()
                .endSpec().endVolumeClaimTemplate()
                .endSpec().build());
        // Erasure coding keeps writing with one server down, not two.
        objects.add(new PodDisruptionBudgetBuilder().withMetadata(meta(BLOCKS, BLOCKS)).withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(selector(BLOCKS)).endSelector()
                .endSpec().build());
        List<NetworkPolicyPeer> clients = new ArrayList<>();
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            if (service.storesBlocks()) {
                clients.add(podPeer(service.name()));
            }
        }
        clients.add(podPeer(BLOCKS));
        // Same-cluster peers' replicators directly; peers in other clusters only through the Ingress below, whose
        // controller pods are then the clients (the peers' networks are checked by the controller).
        clients.addAll(peerReplicators().stream().filter(peer -> peer.getIpBlock() == null).toList());
        if (!remotePeers().isEmpty()) {
            clients.add(namespacePeer(all.ingress().controllerNamespace()));
        }
        clients.add(namespacePeer(all.monitoring().prometheusNamespace()));
        objects.add(new NetworkPolicyBuilder().withMetadata(meta(BLOCKS, BLOCKS)).withNewSpec()
                .withNewPodSelector().withMatchLabels(selector(BLOCKS)).endPodSelector()
                .withPolicyTypes("Ingress")
                .withIngress(new NetworkPolicyIngressRuleBuilder().withFrom(clients).withPorts(tcp(S3_PORT)).build())
                .endSpec().build());
        if (!remotePeers().isEmpty()) {
            objects.add(blocksIngress());
        }
        return objects;
    }

    /**
     * This Region's blocks for its peers in other clusters: an Ingress at the host of {@code external.s3Endpoint},
     * TLS with the certificate in Secret {@value #BLOCKS_EXTERNAL_TLS} (from the platform team or cert-manager; the
     * peers trust its CA), terminated at the controller, which forwards plain HTTP to the in-cluster {@code blocks-s3}
     * Service as every other client uses it. An Ingress rather than a LoadBalancer Service: MinIO serves plain HTTP
     * in the cluster, so a LoadBalancer would either expose it without TLS or need MinIO itself to serve TLS (and
     * its certificate to carry the external name) for in-cluster traffic too; the controller does TLS and source
     * ranges, and one load balancer serves the registry's Ingress as well. The S3 signature covers the Host header,
     * which the controller passes on unchanged. Only the peers' networks get an answer (ingress-nginx's source-range
     * annotation; the controller must see client addresses: externalTrafficPolicy Local on its Service, or the
     * PROXY protocol).
     */
    private Object blocksIngress() {
        List<String> cidrs = remotePeers().stream().map(peer -> peer.external().cidr()).distinct().toList();
        String host = region.external().s3Host();
        return new io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder()
                .withMetadata(new ObjectMetaBuilder(meta(BLOCKS_EXTERNAL, BLOCKS))
                        .addToAnnotations(SOURCE_RANGE_ANNOTATION, String.join(",", cidrs))
                        // Blocks are streamed to the peer as they come, not spooled to the controller's disk first.
                        .addToAnnotations("nginx.ingress.kubernetes.io/proxy-buffering", "off")
                        .build())
                .withNewSpec()
                .withIngressClassName(all.ingress().className())
                .addNewTl().withHosts(host).withSecretName(BLOCKS_EXTERNAL_TLS).endTl()
                .addNewRule().withHost(host).withNewHttp()
                .addNewPath().withPath("/").withPathType("Prefix").withNewBackend().withNewService().withName(BLOCKS)
                .withNewPort().withName("s3").endPort().endService().endBackend().endPath()
                .endHttp().endRule()
                .endSpec().build();
    }

    // ---------------------------------------------------------------- the services

    private List<Object> service(ImageRegistryService service) {
        String name = service.name();
        ImageRegistryService.Sizing sizing = service.sizing();
        List<Object> objects = new ArrayList<>();
        objects.add(new ServiceAccountBuilder().withMetadata(meta(name, name)).withAutomountServiceAccountToken(false).build());

        List<EnvVar> env = new ArrayList<>();
        env.add(secretEnv("DB_USER", service.databaseSecret(), "username"));
        env.add(secretEnv("DB_PASSWORD", service.databaseSecret(), "password"));
        if (service.storesBlocks()) {
            env.add(secretEnv("S3_ACCESS_KEY", BLOCKS_SECRET, "access-key"));
            env.add(secretEnv("S3_SECRET_KEY", BLOCKS_SECRET, "secret-key"));
        }
        List<VolumeMount> peerMounts = new ArrayList<>();
        List<Volume> peerVolumes = new ArrayList<>();
        if (name.equals("region-replicator")) {
            for (Region peer : remotePeers()) {
                // The SCRAM password, as the JAAS line Strimzi writes next to it, never in a ConfigMap.
                env.add(secretEnv(peerKafkaEnv(peer, "SASL_JAAS_CONFIG"), peerCredentialsSecret(peer), "sasl.jaas.config"));
                String volume = "peer-ca-" + peer.name();
                peerMounts.add(new VolumeMountBuilder().withName(volume).withMountPath(PEER_CA_DIRECTORY + peer.name())
                        .withReadOnly(true).build());
                peerVolumes.add(new VolumeBuilder().withName(volume).withNewSecret().withSecretName(peerCaSecret(peer))
                        .addNewItem().withKey("ca.crt").withPath("ca.crt").endItem().endSecret().build());
                // Its blocks: a key pair of its own (never the shared one), and its CA. A mounted Secret is updated in
                // place when the copy is renewed, and the replicator reads the CA file again at each copy attempt.
                env.add(secretEnv(peerS3Env(peer, "ACCESS_KEY"), peerS3CredentialsSecret(peer), "access-key"));
                env.add(secretEnv(peerS3Env(peer, "SECRET_KEY"), peerS3CredentialsSecret(peer), "secret-key"));
                String s3Volume = "peer-s3-ca-" + peer.name();
                peerMounts.add(new VolumeMountBuilder().withName(s3Volume).withMountPath(PEER_S3_CA_DIRECTORY + peer.name())
                        .withReadOnly(true).build());
                peerVolumes.add(new VolumeBuilder().withName(s3Volume).withNewSecret().withSecretName(peerS3CaSecret(peer))
                        .addNewItem().withKey("ca.crt").withPath("ca.crt").endItem().endSecret().build());
            }
        }
        Container container = new ContainerBuilder()
                .withName(name)
                .withImage(all.images().of(name))
                .withImagePullPolicy("IfNotPresent")
                .addNewEnvFrom().withNewConfigMapRef().withName("image-registry").endConfigMapRef().endEnvFrom()
                .addNewEnvFrom().withNewConfigMapRef().withName(name + "-config").endConfigMapRef().endEnvFrom()
                .withEnv(env)
                .addNewPort().withName("http").withContainerPort(service.port()).endPort()
                // Startup covers Flyway migrations and the first read-model catch-up; then liveness takes over.
                .withStartupProbe(probe("/q/health/started", "http", 60))
                .withLivenessProbe(probe("/q/health/live", "http", 3))
                .withReadinessProbe(probe("/q/health/ready", "http", 3))
                .withResources(resources(sizing.cpuRequest(), sizing.cpuLimit(), sizing.memory()))
                .withSecurityContext(containerSecurity(APP_UID))
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .addNewVolumeMount().withName("identity").withMountPath("/etc/image-registry/identity").withReadOnly(true).endVolumeMount()
                .addAllToVolumeMounts(peerMounts)
                .build();
        objects.add(new DeploymentBuilder().withMetadata(meta(name, name)).withNewSpec()
                // No replicas: the HorizontalPodAutoscaler owns the count, and a re-apply must not reset it.
                .withNewSelector().withMatchLabels(selector(name)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(name))
                // A changed ConfigMap changes this hash, so applying new configuration rolls the pods.
                .addToAnnotations("image-registry.dev/config-hash", configHash(service))
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(name).withAutomountServiceAccountToken(false)
                .withTerminationGracePeriodSeconds(30L)
                .withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(APP_UID)
                        .withRunAsGroup(APP_UID).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build())
                .withTopologySpreadConstraints(spread(name))
                .withContainers(container)
                .addNewVolume().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("256Mi")).endEmptyDir().endVolume()
                .addNewVolume().withName("identity").withNewConfigMap().withName(all.identity().publicKeyConfigMap()).endConfigMap().endVolume()
                .addAllToVolumes(peerVolumes)
                .endSpec()
                .endTemplate()
                .endSpec().build());
        objects.add(new ServiceBuilder().withMetadata(meta(name, name)).withNewSpec()
                .withSelector(selector(name))
                .addNewPort().withName("http").withPort(service.port()).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build());
        objects.add(new PodDisruptionBudgetBuilder().withMetadata(meta(name, name)).withNewSpec()
                .withMinAvailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(selector(name)).endSelector()
                .endSpec().build());
        objects.add(new HorizontalPodAutoscalerBuilder().withMetadata(meta(name, name)).withNewSpec()
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(name).endScaleTargetRef()
                .withMinReplicas(sizing.minReplicas()).withMaxReplicas(sizing.maxReplicas())
                .addNewMetric().withType("Resource").withNewResource().withName("cpu")
                .withNewTarget().withType("Utilization").withAverageUtilization(70).endTarget().endResource().endMetric()
                .endSpec().build());
        objects.add(networkPolicy(service));
        return objects;
    }

    private Object networkPolicy(ImageRegistryService service) {
        List<NetworkPolicyIngressRule> ingress = new ArrayList<>();
        if (service.publicApi()) {
            // The API is for every caller that holds a token (ingress controller, other clusters' tools).
            ingress.add(new NetworkPolicyIngressRuleBuilder().withPorts(tcp(service.port())).build());
        } else {
            // Prometheus, and the Region's aws-gateway (its REPLICATOR_URL).
            ingress.add(new NetworkPolicyIngressRuleBuilder()
                    .withFrom(namespacePeer(all.monitoring().prometheusNamespace()), podPeer(AwsGateway.NAME))
                    .withPorts(tcp(service.port())).build());
        }
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        egress.add(new NetworkPolicyEgressRuleBuilder()
                .withTo(new NetworkPolicyPeerBuilder().withNamespaceSelector(new LabelSelector()).withNewPodSelector()
                        .addToMatchLabels("k8s-app", "kube-dns").endPodSelector().build())
                .withPorts(port("UDP", 53), port("TCP", 53)).build());
        egress.add(new NetworkPolicyEgressRuleBuilder()
                .withTo(new NetworkPolicyPeerBuilder().withNewPodSelector()
                        .addToMatchLabels("strimzi.io/cluster", KAFKA_CLUSTER).addToMatchLabels("strimzi.io/broker-role", "true")
                        .endPodSelector().build())
                .withPorts(tcp(KAFKA_PORT)).build());
        egress.add(new NetworkPolicyEgressRuleBuilder()
                .withTo(new NetworkPolicyPeerBuilder().withNewPodSelector()
                        .addToMatchLabels("cnpg.io/cluster", DATABASE_CLUSTER).endPodSelector().build())
                .withPorts(tcp(5432)).build());
        egress.add(new NetworkPolicyEgressRuleBuilder()
                .withTo(new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaceSelector(all.tracing().collectorNamespace())).build())
                .withPorts(tcp(4317)).build());
        if (service.storesBlocks()) {
            egress.add(new NetworkPolicyEgressRuleBuilder().withTo(podPeer(BLOCKS)).withPorts(tcp(S3_PORT)).build());
        }
        if (service.name().equals("region-replicator")) {
            for (Region peer : peers()) {
                if (region.remoteFrom(peer)) {
                    // Its external Kafka listener (TLS), its S3 endpoint and its registry, on their ports only.
                    egress.add(new NetworkPolicyEgressRuleBuilder()
                            .withTo(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(peer.external().cidr()).endIpBlock().build())
                            .withPorts(tcp(peer.external().kafkaPort()), tcp(urlPort(peer.external().s3Endpoint())),
                                    tcp(urlPort(peer.external().registryUrl())))
                            .build());
                } else {
                    LabelSelector ns = namespaceSelector(peer.namespace());
                    egress.add(new NetworkPolicyEgressRuleBuilder().withTo(
                                    new NetworkPolicyPeerBuilder().withNamespaceSelector(ns).withNewPodSelector()
                                            .addToMatchLabels("strimzi.io/cluster", KAFKA_CLUSTER)
                                            .addToMatchLabels("strimzi.io/broker-role", "true").endPodSelector().build())
                            .withPorts(tcp(KAFKA_PORT)).build());
                    egress.add(new NetworkPolicyEgressRuleBuilder().withTo(
                                    new NetworkPolicyPeerBuilder().withNamespaceSelector(ns)
                                            .withNewPodSelector().withMatchLabels(selector(BLOCKS)).endPodSelector().build())
                            .withPorts(tcp(S3_PORT)).build());
                    egress.add(new NetworkPolicyEgressRuleBuilder().withTo(
                                    new NetworkPolicyPeerBuilder().withNamespaceSelector(ns)
                                            .withNewPodSelector().withMatchLabels(selector("registry-service")).endPodSelector().build())
                            .withPorts(tcp(8081)).build());
                }
            }
        }
        return new NetworkPolicyBuilder().withMetadata(meta(service.name(), service.name())).withNewSpec()
                .withNewPodSelector().withMatchLabels(selector(service.name())).endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(ingress)
                .withEgress(egress)
                .endSpec().build();
    }

    private Object serviceMonitor() {
        return new ServiceMonitorBuilder().withMetadata(meta("image-registry", null)).withNewSpec()
                .withNewSelector().addToMatchLabels("app.kubernetes.io/part-of", PART_OF)
                .addNewMatchExpression().withKey("app.kubernetes.io/name").withOperator("In")
                .withValues(java.util.stream.Stream.concat(ImageRegistryService.ALL.stream().map(ImageRegistryService::name),
                        java.util.stream.Stream.of(AwsGateway.NAME)).toList())
                .endMatchExpression().endSelector()
                .addNewEndpoint().withPort("http").withPath("/q/metrics").withInterval("15s")
                // Every series carries its Region, so one Grafana shows all Regions side by side.
                .addNewRelabeling().withTargetLabel("region").withReplacement(region.name()).withAction("replace").endRelabeling()
                .endEndpoint()
                .endSpec().build();
    }

    /** The alerts deploy/README.md names under "What to watch". */
    private Object alerts() {
        String ns = "namespace=\"" + region.namespace() + "\"";
        return new PrometheusRuleBuilder().withMetadata(meta("image-registry", null)).withNewSpec()
                .addNewGroup().withName("image-registry")
                .addToRules(alert("ReadModelLagGrowing",
                        "min_over_time(deriv(imageregistry_read_model_lag_events{" + ns + "}[5m])[10m:1m]) > 0 "
                                + "and imageregistry_read_model_lag_events{" + ns + "} > 100",
                        "10m", "warning", "Read model {{ $labels.read_model }} falls further behind its topics."))
                .addToRules(alert("EventsRejected",
                        "increase(imageregistry_events_rejected_total{" + ns + "}[10m]) > 0",
                        "0m", "warning", "{{ $labels.read_model }} skipped events it could not read ({{ $labels.reason }})."))
                .addToRules(alert("HttpServerErrors",
                        "sum by (service) (rate(http_server_requests_seconds_count{" + ns + ", status=~\"5..\"}[5m])) > 0",
                        "5m", "critical", "{{ $labels.service }} answers 5xx."))
                .addToRules(alert("HttpSlow",
                        "histogram_quantile(0.99, sum by (le, service) (rate(http_server_requests_seconds_bucket{" + ns + "}[5m]))) > 1",
                        "10m", "warning", "{{ $labels.service }} p99 above 1 s."))
                .endGroup()
                .endSpec().build();
    }

    private Rule alert(String name, String expr, String duration, String severity, String summary) {
        return new RuleBuilder().withAlert(name).withExpr(new IntOrString(expr)).withFor(duration)
                .addToLabels("severity", severity).addToLabels("region", region.name())
                .addToAnnotations("summary", summary).build();
    }

    // ---------------------------------------------------------------- the aws-gateway: the Region's AWS endpoint

    /** Secret volumes the gateway reads: group-readable (its fsGroup) and no more, mounted whole (never subPath). */
    private static final int SECRET_FILE_MODE = 0440;

    private List<Object> gateway() {
        String name = AwsGateway.NAME;
        ImageRegistryService.Sizing sizing = AwsGateway.SIZING;
        List<Object> objects = new ArrayList<>();
        objects.add(new ServiceAccountBuilder().withMetadata(meta(name, name)).withAutomountServiceAccountToken(false).build());
        Container container = new ContainerBuilder()
                .withName(name)
                .withImage(all.images().of(name))
                .withImagePullPolicy("IfNotPresent")
                .addNewEnvFrom().withNewConfigMapRef().withName(name + "-config").endConfigMapRef().endEnvFrom()
                .addNewPort().withName("http").withContainerPort(AwsGateway.PORT).endPort()
                // No migrations, no catch-up: it starts in seconds.
                .withStartupProbe(probe("/q/health/started", "http", 24))
                .withLivenessProbe(probe("/q/health/live", "http", 3))
                .withReadinessProbe(probe("/q/health/ready", "http", 3))
                .withResources(resources(sizing.cpuRequest(), sizing.cpuLimit(), sizing.memory()))
                .withSecurityContext(containerSecurity(APP_UID))
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                // Whole Secrets, not subPath: Kubernetes updates them in place, and the gateway re-reads the keys file.
                .addNewVolumeMount().withName("access-keys").withMountPath(AwsGateway.ACCESS_KEYS_DIRECTORY).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("token-signing").withMountPath(AwsGateway.SIGNING_KEY_DIRECTORY).withReadOnly(true).endVolumeMount()
                .build();
        objects.add(new DeploymentBuilder().withMetadata(meta(name, name)).withNewSpec()
                // No replicas: the HorizontalPodAutoscaler owns the count, and a re-apply must not reset it.
                .withNewSelector().withMatchLabels(selector(name)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(name))
                .addToAnnotations("image-registry.dev/config-hash", hash(gatewayConfig()))
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(name).withAutomountServiceAccountToken(false)
                .withTerminationGracePeriodSeconds(30L)
                .withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(APP_UID)
                        .withRunAsGroup(APP_UID).withFsGroup(APP_UID)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build())
                .withTopologySpreadConstraints(spread(name))
                .withContainers(container)
                .addNewVolume().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("256Mi")).endEmptyDir().endVolume()
                .addNewVolume().withName("access-keys").withNewSecret().withSecretName(all.gateway().accessKeysSecret())
                .withDefaultMode(SECRET_FILE_MODE)
                .addNewItem().withKey(Regions.Gateway.ACCESS_KEYS_FILE).withPath(Regions.Gateway.ACCESS_KEYS_FILE).endItem()
                .endSecret().endVolume()
                .addNewVolume().withName("token-signing").withNewSecret().withSecretName(all.identity().gatewaySigningKeySecret())
                .withDefaultMode(SECRET_FILE_MODE)
                .addNewItem().withKey(all.identity().gatewaySigningKeyFile()).withPath(all.identity().gatewaySigningKeyFile()).endItem()
                .endSecret().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec().build());
        objects.add(new ServiceBuilder().withMetadata(meta(name, name)).withNewSpec()
                .withSelector(selector(name))
                .addNewPort().withName("http").withPort(AwsGateway.PORT).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build());
        objects.add(new PodDisruptionBudgetBuilder().withMetadata(meta(name, name)).withNewSpec()
                .withMinAvailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(selector(name)).endSelector()
                .endSpec().build());
        objects.add(new HorizontalPodAutoscalerBuilder().withMetadata(meta(name, name)).withNewSpec()
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(name).endScaleTargetRef()
                .withMinReplicas(sizing.minReplicas()).withMaxReplicas(sizing.maxReplicas())
                .addNewMetric().withType("Resource").withNewResource().withName("cpu")
                .withNewTarget().withType("Utilization").withAverageUtilization(70).endTarget().endResource().endMetric()
                .endSpec().build());
        objects.add(gatewayNetworkPolicy());
        objects.add(gatewayIngress());
        return objects;
    }

    /**
     * In: the ingress controller (every caller from outside, and the gateways of Regions in other clusters), the
     * gateways of Regions in this cluster (requests signed for this Region), Prometheus. Out: DNS, this Region's four
     * services on their HTTP ports, the other Regions' gateways (in this cluster their pods, elsewhere the network of
     * their Ingress), the tracing collector. No database, Kafka or S3.
     */
    private Object gatewayNetworkPolicy() {
        List<NetworkPolicyPeer> callers = new ArrayList<>();
        callers.add(namespacePeer(all.ingress().controllerNamespace()));
        for (Region peer : peers()) {
            if (!region.remoteFrom(peer)) {
                callers.add(gatewayOf(peer));
            }
        }
        callers.add(namespacePeer(all.monitoring().prometheusNamespace()));
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        egress.add(new NetworkPolicyEgressRuleBuilder()
                .withTo(new NetworkPolicyPeerBuilder().withNamespaceSelector(new LabelSelector()).withNewPodSelector()
                        .addToMatchLabels("k8s-app", "kube-dns").endPodSelector().build())
                .withPorts(port("UDP", 53), port("TCP", 53)).build());
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            egress.add(new NetworkPolicyEgressRuleBuilder().withTo(podPeer(service.name())).withPorts(tcp(service.port())).build());
        }
        // Regions in other clusters: at their Ingress, in their network, on the port of their URL (once per network
        // and port: peers may share a network).
        java.util.Set<Map.Entry<String, Integer>> remoteGateways = new java.util.LinkedHashSet<>();
        for (Region peer : peers()) {
            if (region.remoteFrom(peer)) {
                remoteGateways.add(Map.entry(peer.external().cidr(), urlPort(all.gatewayUrl(peer))));
            } else {
                egress.add(new NetworkPolicyEgressRuleBuilder().withTo(gatewayOf(peer)).withPorts(tcp(AwsGateway.PORT)).build());
            }
        }
        for (Map.Entry<String, Integer> remote : remoteGateways) {
            egress.add(new NetworkPolicyEgressRuleBuilder()
                    .withTo(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(remote.getKey()).endIpBlock().build())
                    .withPorts(tcp(remote.getValue())).build());
        }
        egress.add(new NetworkPolicyEgressRuleBuilder()
                .withTo(new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaceSelector(all.tracing().collectorNamespace())).build())
                .withPorts(tcp(4317)).build());
        return new NetworkPolicyBuilder().withMetadata(meta(AwsGateway.NAME, AwsGateway.NAME)).withNewSpec()
                .withNewPodSelector().withMatchLabels(selector(AwsGateway.NAME)).endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(new NetworkPolicyIngressRuleBuilder().withFrom(callers).withPorts(tcp(AwsGateway.PORT)).build())
                .withEgress(egress)
                .endSpec().build();
    }

    /** The aws-gateway pods of {@code peer} (a Region in this cluster). */
    private static NetworkPolicyPeer gatewayOf(Region peer) {
        return new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaceSelector(peer.namespace()))
                .withNewPodSelector().withMatchLabels(selector(AwsGateway.NAME)).endPodSelector().build();
    }

    /**
     * The Region's public AWS endpoint: TLS for its host (certificate in Secret {@code gateway.tlsSecret}, from the
     * platform team or cert-manager), terminated at the controller, which passes the Host header (part of every SigV4
     * signature) on unchanged. Only the path {@code /}: EC2's and STS's query APIs are POSTs (or GETs) to it, and the
     * gateway's {@code /q/} health and metrics paths stay inside the cluster.
     */
    private Object gatewayIngress() {
        String host = all.gatewayHost(region);
        return new io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder()
                .withMetadata(meta(AwsGateway.NAME, AwsGateway.NAME))
                .withNewSpec()
                .withIngressClassName(all.ingress().className())
                .addNewTl().withHosts(host).withSecretName(all.gateway().tlsSecret()).endTl()
                .addNewRule().withHost(host).withNewHttp()
                .addNewPath().withPath("/").withPathType("Exact").withNewBackend().withNewService().withName(AwsGateway.NAME)
                .withNewPort().withName("http").endPort().endService().endBackend().endPath()
                .endHttp().endRule()
                .endSpec().build();
    }

    // ---------------------------------------------------------------- small pieces

    private ObjectMeta meta(String name, String component) {
        return new ObjectMetaBuilder().withName(name).withNamespace(region.namespace()).withLabels(labels(component)).build();
    }

    static Map<String, String> labels(String name) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (name != null) {
            labels.put("app.kubernetes.io/name", name);
        }
        labels.put("app.kubernetes.io/part-of", PART_OF);
        return labels;
    }

    static Map<String, String> selector(String name) {
        return Map.of("app.kubernetes.io/name", name);
    }

    private static LabelSelector namespaceSelector(String namespace) {
        return new LabelSelectorBuilder().addToMatchLabels("kubernetes.io/metadata.name", namespace).build();
    }

    private static NetworkPolicyPeer podPeer(String name) {
        return new NetworkPolicyPeerBuilder().withNewPodSelector().withMatchLabels(selector(name)).endPodSelector().build();
    }

    private static NetworkPolicyPeer namespacePeer(String namespace) {
        return new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaceSelector(namespace)).build();
    }

    private static int urlPort(String url) {
        java.net.URI uri = java.net.URI.create(url);
        return uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    private static NetworkPolicyPort tcp(int port) {
        return port("TCP", port);
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }

    private static EnvVar secretEnv(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).endSecretKeyRef().endValueFrom().build();
    }

    private static Probe probe(String path, String port, int failureThreshold) {
        return new ProbeBuilder().withNewHttpGet().withPath(path).withPort(new IntOrString(port)).endHttpGet()
                .withPeriodSeconds(5).withTimeoutSeconds(3).withFailureThreshold(failureThreshold).build();
    }

    /** Memory request equals the limit: the JVM sizes its heap from the limit, and a pod is not evicted for using it. */
    private static ResourceRequirements resources(String cpuRequest, String cpuLimit, String memory) {
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(cpuRequest)).addToRequests("memory", new Quantity(memory))
                .addToLimits("cpu", new Quantity(cpuLimit)).addToLimits("memory", new Quantity(memory))
                .build();
    }

    private static Map<String, Object> resourcesMap(String cpuRequest, String cpuLimit, String memory) {
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

    private static SecurityContext containerSecurity(long uid) {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true).withRunAsUser(uid)
                .withReadOnlyRootFilesystem(true)
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .build();
    }

    private static TopologySpreadConstraint spread(String name) {
        return new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey("topology.kubernetes.io/zone")
                .withWhenUnsatisfiable("ScheduleAnyway")
                .withNewLabelSelector().withMatchLabels(selector(name)).endLabelSelector().build();
    }

    private String configHash(ImageRegistryService service) {
        Map<String, String> config = new TreeMap<>(sharedConfig());
        config.putAll(serviceConfig(service));
        return hash(config);
    }

    private static String hash(Map<String, String> config) {
        config = new TreeMap<>(config);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(config.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
