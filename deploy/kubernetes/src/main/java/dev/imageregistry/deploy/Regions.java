package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** regions.yaml: what differs between installations and Regions; everything else is in {@link RegionManifests}. */
public record Regions(Images images, Identity identity, Tracing tracing, Monitoring monitoring, Kafka kafka,
                      Database database, Blocks blocks, Ingress ingress, List<Region> regions) {

    public record Images(String registry, String tag, String minio) {
        String of(String service) {
            return registry + "/" + service + ":" + tag;
        }
    }

    public record Identity(String issuer, String publicKeyConfigMap, String publicKeyFile) {}

    public record Tracing(String otlpEndpoint, String collectorNamespace, String sampleRatio) {}

    public record Monitoring(String prometheusNamespace, String grafanaNamespace) {}

    public record Kafka(int partitions, String brokerStorage, String controllerStorage) {}

    public record Database(int instances, String storage) {}

    public record Blocks(String bucket, int servers, String storagePerServer) {}

    /**
     * The ingress controller that exposes a Region's blocks to its peers in other clusters (rendered only for a
     * Region with such peers): its IngressClass, and the namespace of its pods, which are then MinIO's clients.
     * The source-range annotation rendered with it is ingress-nginx's.
     */
    public record Ingress(String className, String controllerNamespace) {}

    /**
     * A Region. {@code cluster} names the Kubernetes cluster it runs in (Regions without one share the cluster
     * {@value #DEFAULT_CLUSTER}); {@code external} is how Regions in other clusters reach it, and is required as soon
     * as one of its peers runs in another cluster.
     */
    public record Region(String name, String namespace, String cluster, External external) {
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
            if (remotePeers && regions.ingress() == null) {
                throw new IllegalArgumentException("Region " + region.name() + " has peers in other clusters: give the "
                        + "ingress: block (the controller exposing its blocks) in " + file);
            }
            if (region.external() != null && !region.external().kafkaBootstrap().matches("[^:/]+:\\d+")) {
                throw new IllegalArgumentException("Region " + region.name() + ": external.kafkaBootstrap must be host:port");
            }
        }
        return regions;
    }

    public Region region(String name) {
        return regions.stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no Region " + name));
    }
}
