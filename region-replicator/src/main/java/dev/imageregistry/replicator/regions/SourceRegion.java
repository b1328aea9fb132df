package dev.imageregistry.replicator.regions;

/** A Region images can be copied from: its Kafka cluster (for its event stream) and its S3 endpoint (for blocks). */
public record SourceRegion(String name, String bootstrapServers, String s3Endpoint) {
}
