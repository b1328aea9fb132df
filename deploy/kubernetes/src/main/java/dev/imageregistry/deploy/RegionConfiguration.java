package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;

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
 * 10-config.yaml: what each workload reads from its environment, as ConfigMaps (one shared by the four services, one
 * per service, and the aws-gateway's). Secrets are never here: the Deployments reference them. Each Deployment's pods
 * carry a hash of what they read from here, so that applying a changed ConfigMap rolls them.
 */
final class RegionConfiguration {

    static final String OTEL_AGENT = "/opt/otel/opentelemetry-javaagent.jar";

    private final Regions all;
    private final Region region;

    RegionConfiguration(Regions all, Region region) {
        this.all = all;
        this.region = region;
    }

    List<Object> configMaps() {
        List<Object> maps = new ArrayList<>();
        maps.add(new ConfigMapBuilder().withMetadata(Metadata.of(region, "image-registry", null)).withData(shared()).build());
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            maps.add(new ConfigMapBuilder().withMetadata(Metadata.of(region, service.name() + "-config", service.name()))
                    .withData(forService(service)).build());
        }
        maps.add(new ConfigMapBuilder().withMetadata(Metadata.of(region, AwsGateway.NAME + "-config", AwsGateway.NAME))
                .withData(forGateway()).build());
        return maps;
    }

    /** The hash of what {@code service}'s pods read: the shared ConfigMap and its own. */
    String hashFor(ImageRegistryService service) {
        Map<String, String> config = new TreeMap<>(shared());
        config.putAll(forService(service));
        return hash(config);
    }

    String hashForGateway() {
        return hash(forGateway());
    }

    Map<String, String> shared() {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("REGION", region.name());
        data.put("KAFKA_BOOTSTRAP_SERVERS", KafkaCluster.NAME + "-kafka-bootstrap:" + KafkaCluster.PLAIN_PORT);
        data.put("JWT_ISSUER", all.identity().issuer());
        data.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", "/etc/image-registry/identity/" + all.identity().publicKeyFile());
        data.putAll(javaAgent(true));
        return data;
    }

    /**
     * The JVM's options and the OpenTelemetry agent's settings, the same in every service and the gateway;
     * {@code dataClients}: with the settings of the Kafka and JDBC instrumentations (the gateway has neither).
     */
    private Map<String, String> javaAgent(boolean dataClients) {
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

    Map<String, String> forService(ImageRegistryService service) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("HTTP_PORT", Integer.toString(service.port()));
        data.put("DB_URL", "jdbc:postgresql://" + DatabaseCluster.NAME + "-rw:" + DatabaseCluster.PORT + "/" + service.database());
        data.put("OTEL_SERVICE_NAME", service.name());
        if (service.storesBlocks()) {
            data.put("S3_ENDPOINT", "http://" + BlockStore.NAME + ":" + BlockStore.S3_PORT);
            data.put("S3_BUCKET", all.blocks().bucket());
        }
        if (service.name().equals("region-replicator")) {
            data.put("REPLICATOR_REGIONS", String.join(",", all.peersOf(region).stream().map(this::peerAddress).toList()));
            // A peer in another cluster is read through its external listener: TLS with that cluster's CA (mounted
            // from a Secret, see RemotePeers) and SCRAM (the JAAS line comes from a Secret, in the Deployment).
            for (Region peer : all.remotePeersOf(region)) {
                data.put(RemotePeers.kafkaEnv(peer, "SECURITY_PROTOCOL"), "SASL_SSL");
                data.put(RemotePeers.kafkaEnv(peer, "SASL_MECHANISM"), "SCRAM-SHA-512");
                data.put(RemotePeers.kafkaEnv(peer, "SSL_TRUSTSTORE_TYPE"), "PEM");
                data.put(RemotePeers.kafkaEnv(peer, "SSL_TRUSTSTORE_LOCATION"), RemotePeers.KAFKA_CA_DIRECTORY + peer.name() + "/ca.crt");
                // Its blocks, over HTTPS at its Ingress: trusted with its CA only (mounted from a Secret); its key
                // pair (a read-only user on its MinIO) comes from a Secret, in the Deployment.
                data.put(RemotePeers.s3Env(peer, "CA_FILE"), RemotePeers.S3_CA_DIRECTORY + peer.name() + "/ca.crt");
            }
        }
        return data;
    }

    /**
     * What the aws-gateway reads (its whole configuration: it is given no Kafka, database or S3 settings): this
     * Region's services by their Service names, every Region's gateway as this one reaches it, the mounted Secrets'
     * files, and the identity provider's issuer, which the tokens it signs for the services carry.
     */
    Map<String, String> forGateway() {
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
        // Paths of files on Secret volumes (see GatewayDeployment), not secrets.
        data.put("GATEWAY_ACCESS_KEYS_FILE", AwsGateway.ACCESS_KEYS_DIRECTORY + "/" + Regions.Gateway.ACCESS_KEYS_FILE);
        data.put("TOKEN_SIGNING_KEY_LOCATION", AwsGateway.SIGNING_KEY_DIRECTORY + "/" + all.identity().gatewaySigningKeyFile());
        data.put("OTEL_SERVICE_NAME", AwsGateway.NAME);
        data.putAll(javaAgent(false));
        return data;
    }

    /**
     * {@code other}'s gateway as this Region's gateway reaches it: in the same cluster (this Region too) its Service,
     * in another cluster its Ingress (https://, the host of its certificate).
     */
    private String gatewayAddress(Region other) {
        if (region.remoteFrom(other)) {
            return all.gatewayUrl(other);
        }
        return "http://" + AwsGateway.NAME + "." + other.namespace() + ".svc:" + AwsGateway.PORT;
    }

    /** {@code region=kafkaBootstrap|s3Endpoint|registryUrl}, as the replicator's REPLICATOR_REGIONS expects. */
    private String peerAddress(Region peer) {
        String suffix = "." + peer.namespace() + ".svc";
        if (region.remoteFrom(peer)) {
            return peer.name() + "=" + peer.external().kafkaBootstrap() + "|" + peer.external().s3Endpoint() + "|"
                    + peer.external().registryUrl();
        }
        String kafka = KafkaCluster.NAME + "-kafka-bootstrap" + suffix + ":" + KafkaCluster.PLAIN_PORT;
        String s3 = "http://" + BlockStore.NAME + suffix + ":" + BlockStore.S3_PORT;
        String registry = "http://registry-service" + suffix + ":8081";
        return peer.name() + "=" + kafka + "|" + s3 + "|" + registry;
    }

    /** Sorted first, so the hash depends on what is set, not on the order it was written in. */
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
