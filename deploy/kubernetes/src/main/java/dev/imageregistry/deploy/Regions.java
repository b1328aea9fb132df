package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** regions.yaml: what differs between installations and Regions; everything else is in {@link RegionManifests}. */
public record Regions(Images images, Identity identity, Tracing tracing, Monitoring monitoring, Kafka kafka,
                      Database database, Blocks blocks, Ingress ingress, Gateway gateway, List<Region> regions) {

    public record Images(String registry, String tag, String minio) {
        String of(String service) {
            return registry + "/" + service + ":" + tag;
        }
    }

    /**
     * The identity provider the services trust ({@code issuer}, and the ConfigMap with its public key), and the Secret
     * (created by the operator) with the PKCS#8 private key (PEM, key {@code gatewaySigningKeyFile}) the aws-gateway
     * signs the services' bearer tokens with: its public half must be in {@code publicKeyConfigMap}.
     */
    public record Identity(String issuer, String publicKeyConfigMap, String publicKeyFile, String gatewaySigningKeySecret,
                           String gatewaySigningKeyFile) {}

    public record Tracing(String otlpEndpoint, String collectorNamespace, String sampleRatio) {}

    public record Monitoring(String prometheusNamespace, String grafanaNamespace) {}

    public record Kafka(int partitions, String brokerStorage, String controllerStorage) {}

    public record Database(int instances, String storage) {}

    public record Blocks(String bucket, int servers, String storagePerServer) {}

    /**
     * The ingress controller (ingress-nginx) in front of every Region's aws-gateway, and of a Region's blocks for its
     * peers in other clusters: its IngressClass, and the namespace of its pods, which are then those backends' clients.
     * The source-range annotation rendered with the blocks' Ingress is ingress-nginx's.
     */
    public record Ingress(String className, String controllerNamespace) {}

    /**
     * The aws-gateway, each Region's public AWS endpoint. Its Ingress host is the Region's {@code gatewayHost}, else
     * {@code ec2.<region>.<domain>}; TLS from Secret {@code tlsSecret}. {@code accessKeysSecret} (key
     * {@value #ACCESS_KEYS_FILE}) holds the access keys it verifies SigV4 signatures with; {@code accountAliases} maps
     * an alias (as in {@code --owners amazon}) to a 12-digit account, in the order written.
     */
    public record Gateway(String domain, String tlsSecret, String accessKeysSecret, Map<String, String> accountAliases) {
        public static final String ACCESS_KEYS_FILE = "access-keys.json";

        public Gateway {
            accountAliases = accountAliases == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(accountAliases));
        }
    }

    /**
     * A Region. {@code cluster} names the Kubernetes cluster it runs in (Regions without one share the cluster
     * {@value #DEFAULT_CLUSTER}); {@code external} is how Regions in other clusters reach it, and is required as soon
     * as one of its peers runs in another cluster. {@code gatewayHost} is the public host of its aws-gateway
     * (default {@code ec2.<name>.<gateway.domain>}, see {@link Regions#gatewayHost}).
     */
    public record Region(String name, String namespace, String cluster, External external, String gatewayHost) {
        public static final String DEFAULT_CLUSTER = "default";

        public Optional<External> outside() {
            return Optional.ofNullable(external);
        }

        public String clusterName() {
            return cluster == null ? DEFAULT_CLUSTER : cluster;
        }

        /** Whether {@code peer} runs in another cluster: then each reaches the other at its external addresses. */
        public boolean remoteFrom(Region peer) {
            return !clusterName().equals(peer.clusterName());
        }
    }

    /** The addresses Regions in other clusters use, and the network (CIDR) their traffic comes from and goes to. */
    public record External(String kafkaBootstrap, String s3Endpoint, String registryUrl, String cidr) {
        /** The port of {@link #kafkaBootstrap} ({@code host:port}): the external Kafka listener's. */
        public int kafkaPort() {
            return Integer.parseInt(kafkaBootstrap.substring(kafkaBootstrap.lastIndexOf(':') + 1));
        }

        public String kafkaHost() {
            return kafkaBootstrap.substring(0, kafkaBootstrap.lastIndexOf(':'));
        }

        /** The host of {@link #s3Endpoint}: the Ingress rule's host, and the name in its TLS certificate. */
        public String s3Host() {
            return java.net.URI.create(s3Endpoint).getHost();
        }
    }

    public static Regions read(Path file) throws IOException {
        // Unknown keys are typos: refuse them rather than render without them.
        Regions regions = YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build()
                .readValue(file.toFile(), Regions.class);
        if (regions.regions().stream().map(Region::name).distinct().count() != regions.regions().size()) {
            throw new IllegalArgumentException("a Region is listed twice in " + file);
        }
        if (regions.ingress() == null) {
            throw new IllegalArgumentException("give the ingress: block (the controller in front of every Region's "
                    + "aws-gateway) in " + file);
        }
        if (regions.gateway() == null || regions.gateway().tlsSecret() == null || regions.gateway().accessKeysSecret() == null) {
            throw new IllegalArgumentException("give the gateway: block with tlsSecret and accessKeysSecret in " + file);
        }
        if (regions.identity().gatewaySigningKeySecret() == null || regions.identity().gatewaySigningKeyFile() == null) {
            throw new IllegalArgumentException("give identity.gatewaySigningKeySecret and identity.gatewaySigningKeyFile in " + file);
        }
        regions.gateway().accountAliases().forEach((alias, account) -> {
            if (!alias.matches(ACCOUNT_ALIAS) || account == null || !account.matches("\\d{12}")) {
                throw new IllegalArgumentException("gateway.accountAliases: " + alias + ": " + account + " must be an alias "
                        + "(lower-case letters, digits, '-') and a 12-digit account in quotes, in " + file);
            }
        });
        for (Region region : regions.regions()) {
            if (region.gatewayHost() == null && regions.gateway().domain() == null) {
                throw new IllegalArgumentException("Region " + region.name() + ": give it a gatewayHost, or give gateway.domain, in " + file);
            }
            if (!regions.gatewayHost(region).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
                throw new IllegalArgumentException("Region " + region.name() + ": " + regions.gatewayHost(region)
                        + " is not a host name (gatewayHost, gateway.domain)");
            }
        }
        if (regions.regions().stream().map(regions::gatewayHost).distinct().count() != regions.regions().size()) {
            throw new IllegalArgumentException("two Regions' gateways have the same host in " + file);
        }
        for (Region region : regions.regions()) {
            boolean remotePeers = regions.regions().stream().anyMatch(peer -> peer != region && region.remoteFrom(peer));
            if (remotePeers && region.external() == null) {
                throw new IllegalArgumentException("Region " + region.name() + " has peers in other clusters: give it an "
                        + "external: block (the addresses they reach it at) in " + file);
            }
            if (remotePeers && !region.external().s3Endpoint().startsWith("https://")) {
                throw new IllegalArgumentException("Region " + region.name() + ": external.s3Endpoint must be https:// "
                        + "(its blocks are exposed to other clusters over TLS only)");
            }
            if (region.external() != null && !region.external().kafkaBootstrap().matches("[^:/]+:\\d+")) {
                throw new IllegalArgumentException("Region " + region.name() + ": external.kafkaBootstrap must be host:port");
            }
        }
        return regions;
    }

    /** An AWS account alias (IAM's rule: 3 to 63 lower-case letters, digits and single hyphens). */
    private static final String ACCOUNT_ALIAS = "[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]";

    /** The public host of {@code region}'s aws-gateway: its Ingress rule's host, and the name in its certificate. */
    public String gatewayHost(Region region) {
        return region.gatewayHost() != null ? region.gatewayHost() : "ec2." + region.name() + "." + gateway.domain();
    }

    /** The URL the aws CLI (and gateways in other clusters) reach {@code region}'s aws-gateway at. */
    public String gatewayUrl(Region region) {
        return "https://" + gatewayHost(region);
    }

    /** The other Regions: {@code region}'s replicator copies from each, and its gateway passes requests on to each. */
    public List<Region> peersOf(Region region) {
        return regions.stream().filter(r -> !r.name().equals(region.name())).toList();
    }

    /** {@code region}'s peers in other clusters: they reach each other at their external addresses, over TLS. */
    public List<Region> remotePeersOf(Region region) {
        return peersOf(region).stream().filter(region::remoteFrom).toList();
    }

    public Region region(String name) {
        return regions.stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no Region " + name));
    }
}
