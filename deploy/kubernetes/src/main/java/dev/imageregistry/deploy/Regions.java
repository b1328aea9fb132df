package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** regions.yaml: what differs between installations and Regions; everything else is in {@link RegionManifests}. */
public record Regions(Images images, Identity identity, Tracing tracing, Monitoring monitoring, Kafka kafka,
                      Database database, Blocks blocks, List<Region> regions) {

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

    /** A Region; {@code external} is set when its peers reach it outside this cluster. */
    public record Region(String name, String namespace, External external) {
        public Optional<External> outside() {
            return Optional.ofNullable(external);
        }
    }

    public record External(String kafkaBootstrap, String s3Endpoint, String registryUrl, String cidr) {}

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
        return regions;
    }

    public Region region(String name) {
        return regions.stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no Region " + name));
    }
}
