package dev.imageregistry.replicator.regions;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.Config;

/**
 * The Kafka client settings of every client this replicator opens on a peer Region's brokers. A Region in another
 * cluster is reached through an authenticated TLS listener, so each peer can carry its own client properties:
 * {@code imageregistry.replicator.peer-kafka.<region>.<kafka client property>}, for example
 * {@code imageregistry.replicator.peer-kafka.us-east-1.security.protocol=SASL_SSL}.
 * <p>
 * Every property Kafka's clients know can be set, also as environment variable, which is how Kubernetes passes a
 * password from a Secret: {@code IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_US_EAST_1_SASL_JAAS_CONFIG}; a name that is no
 * Kafka client property of a configured Region stops the start ({@link PeerSettings}).
 */
@ApplicationScoped
public class PeerKafka {
    static final String PREFIX = "imageregistry.replicator.peer-kafka.";
    /** Set by the replicator itself (or by REPLICATOR_REGIONS): a peer's settings may not change them. */
    static final Set<String> RESERVED = Set.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ConsumerConfig.GROUP_ID_CONFIG,
            ConsumerConfig.CLIENT_ID_CONFIG, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);

    private final Map<String, Map<String, String>> settings = new HashMap<>();

    public PeerKafka(SourceRegions regions, Config config) {
        Set<String> known = new TreeSet<>(ConsumerConfig.configNames());
        known.addAll(ProducerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        settings.putAll(PeerSettings.read(config, PREFIX, regions.all(), known));
        settings.forEach((region, peer) -> {
            for (String reserved : RESERVED) {
                if (peer.containsKey(reserved)) {
                    throw new IllegalArgumentException(PREFIX + region + "." + reserved
                            + " cannot be set: the replicator sets it (the bootstrap servers are in imageregistry.replicator.regions)");
                }
            }
        });
    }

    /** What {@code region}'s configuration adds to every client on its brokers (empty: plaintext, no authentication). */
    public Map<String, String> settings(String region) {
        return settings.getOrDefault(region, Map.of());
    }

    /**
     * A string consumer on {@code region}'s brokers that commits its offsets itself: the one shape of every feed
     * that follows a peer's topics. This Region's own brokers (not a peer) get no peer settings.
     */
    public Map<String, Object> consumer(SourceRegion region, String groupId, String clientId) {
        Map<String, Object> properties = new HashMap<>(settings(region.name()));
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, region.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return properties;
    }
}
