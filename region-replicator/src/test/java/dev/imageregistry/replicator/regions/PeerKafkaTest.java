package dev.imageregistry.replicator.regions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * A peer's Kafka settings as Kubernetes passes them (environment variables, the password from a Secret), and as a
 * properties file does; the configuration library is the one Quarkus runs on, with its real environment source.
 */
class PeerKafkaTest {
    static final String REGIONS = "us-east-1=kafka.us-east-1.example.com:9094|https://s3|https://registry,"
            + "eu-west-1=events-kafka-bootstrap.image-registry-eu-west-1.svc:9092|http://s3|http://registry";

    @Test
    void environmentVariablesSetOnePeersClientsAndNoOtherPeers() {
        Map<String, String> env = new HashMap<>();
        env.put("IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_US_EAST_1_SECURITY_PROTOCOL", "SASL_SSL");
        env.put("IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_US_EAST_1_SASL_MECHANISM", "SCRAM-SHA-512");
        env.put("IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_US_EAST_1_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";");
        env.put("IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_US_EAST_1_SSL_TRUSTSTORE_TYPE", "PEM");
        env.put("IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_US_EAST_1_SSL_TRUSTSTORE_LOCATION", "/etc/peers/us-east-1/ca.crt");
        PeerKafka peers = peerKafka(env, Map.of());

        SourceRegion usEast1 = new SourceRegions(Optional.of(REGIONS)).find("us-east-1").orElseThrow();
        Map<String, Object> consumer = peers.consumer(usEast1, "group", "client");
        assertEquals("SASL_SSL", consumer.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", consumer.get("sasl.mechanism"));
        assertTrue(consumer.get("sasl.jaas.config").toString().contains("password=\"p\""));
        assertEquals("PEM", consumer.get("ssl.truststore.type"));
        assertEquals("/etc/peers/us-east-1/ca.crt", consumer.get("ssl.truststore.location"));
        assertEquals("kafka.us-east-1.example.com:9094", consumer.get("bootstrap.servers"));
        assertEquals("group", consumer.get("group.id"));

        assertEquals(Map.of(), peers.settings("eu-west-1"), "the in-cluster peer keeps the plaintext listener");
        assertFalse(peers.consumer(new SourceRegions(Optional.of(REGIONS)).find("eu-west-1").orElseThrow(), "g", "c")
                .containsKey("security.protocol"));
    }

    @Test
    void propertiesWithTheRegionInTheNameWorkToo() {
        PeerKafka peers = peerKafka(Map.of(), Map.of("imageregistry.replicator.peer-kafka.us-east-1.security.protocol", "SSL"));
        assertEquals(Map.of("security.protocol", "SSL"), peers.settings("us-east-1"));
    }

    @Test
    void aMisspeltPropertyOrRegionRefusesToStartRatherThanFallBackToPlaintext() {
        assertThrows(IllegalArgumentException.class, () -> peerKafka(Map.of(),
                Map.of("imageregistry.replicator.peer-kafka.us-east-1.security.protocoll", "SASL_SSL")));
        assertThrows(IllegalArgumentException.class, () -> peerKafka(Map.of(),
                Map.of("imageregistry.replicator.peer-kafka.us-east-2.security.protocol", "SASL_SSL")));
    }

    @Test
    void aMisspeltEnvironmentVariableRefusesToStartToo() {
        // SASL_JAAS_CONFIGG is no Kafka client property: the peer would otherwise be read without a password.
        assertThrows(IllegalArgumentException.class, () -> peerKafka(
                Map.of("IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_US_EAST_1_SASL_JAAS_CONFIGG", "x"), Map.of()));
    }

    @Test
    void theBootstrapServersStayThoseOfTheRegionsList() {
        assertThrows(IllegalArgumentException.class, () -> peerKafka(
                Map.of("IMAGEREGISTRY_REPLICATOR_PEER_KAFKA_US_EAST_1_BOOTSTRAP_SERVERS", "elsewhere:9092"), Map.of()));
    }

    private static PeerKafka peerKafka(Map<String, String> env, Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(env, 300), new PropertiesConfigSource(properties, "test", 250))
                .build();
        return new PeerKafka(new SourceRegions(Optional.of(REGIONS)), config);
    }
}
