package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;

import java.util.Locale;

/**
 * How a Region's replicator reaches a peer in another cluster: the Secrets copied from (or made for) that peer, where
 * they are mounted, and the names of the replicator's settings for it. The ConfigMap, the Deployment and the tests
 * all name them from here, so they cannot drift apart.
 */
final class RemotePeers {

    /** The replicator's per-peer Kafka client settings (imageregistry.replicator.peer-kafka.&lt;region&gt;.*) as env. */
    static final String KAFKA_ENV = "IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_";
    static final String KAFKA_CA_DIRECTORY = "/etc/image-registry/peers/";
    /** The replicator's per-peer S3 settings (imageregistry.replicator.peer-s3.&lt;region&gt;.*) as env. */
    static final String S3_ENV = "IMAGEREGISTRY_REPLICATOR_PEER_S3_";
    /** Where a peer's S3 CA is mounted: its own directory, beside (not inside) the Kafka CA's read-only mount. */
    static final String S3_CA_DIRECTORY = "/etc/image-registry/peer-s3/";

    private RemotePeers() {
    }

    /** The environment variable of one Kafka client setting of {@code peer}, e.g. ..._US_EAST_1_SASL_MECHANISM. */
    static String kafkaEnv(Region peer, String setting) {
        return KAFKA_ENV + envName(peer) + "_" + setting;
    }

    /** The environment variable of one S3 setting of {@code peer}, e.g. ..._PEER_S3_US_EAST_1_ACCESS_KEY. */
    static String s3Env(Region peer, String setting) {
        return S3_ENV + envName(peer) + "_" + setting;
    }

    private static String envName(Region peer) {
        return peer.name().toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * The Secret (in this namespace) with key {@code sasl.jaas.config}: a copy of the one Strimzi's user operator
     * writes for this Region's KafkaUser in the peer's namespace (deploy/README.md shows the copy).
     */
    static String kafkaCredentialsSecret(Region peer) {
        return "peer-kafka-" + peer.name();
    }

    /** The Secret (in this namespace) with key {@code ca.crt}: a copy of the peer's {@code <cluster>-cluster-ca-cert}. */
    static String kafkaCaSecret(Region peer) {
        return "peer-kafka-" + peer.name() + "-ca";
    }

    /**
     * The Secret (in this namespace) with keys {@code access-key} and {@code secret-key}: this Region's read-only user
     * on {@code peer}'s MinIO (deploy/README.md shows how it is made and copied).
     */
    static String s3CredentialsSecret(Region peer) {
        return "peer-s3-" + peer.name();
    }

    /** The Secret (in this namespace) with key {@code ca.crt}: the CA {@code peer}'s blocks Ingress certificate is from. */
    static String s3CaSecret(Region peer) {
        return "peer-s3-" + peer.name() + "-ca";
    }
}
