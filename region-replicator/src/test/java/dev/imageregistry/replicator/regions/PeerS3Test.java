package dev.imageregistry.replicator.regions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.imageregistry.infra.SelfSignedCertificate;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * A peer's S3 settings as Kubernetes passes them (environment variables, the keys from a Secret, the CA a mounted
 * file), through SmallRye Config's real environment source, and what a mistake in them does: stop the start.
 */
class PeerS3Test {
    static final String REGIONS = PeerKafkaTest.REGIONS;

    @TempDir
    static Path dir;

    static Path ca() {
        return SelfSignedCertificate.in(dir.resolve("ca")).certificatePem();
    }

    @Test
    void environmentVariablesSetOnePeersKeysAndCaAndNoOtherPeers() {
        Map<String, String> env = new HashMap<>();
        env.put("IMAGEREGISTRY_REPLICATOR_PEER_S3_US_EAST_1_CA_FILE", ca().toString());
        env.put("IMAGEREGISTRY_REPLICATOR_PEER_S3_US_EAST_1_ACCESS_KEY", "region-replicator-eu-west-1");
        env.put("IMAGEREGISTRY_REPLICATOR_PEER_S3_US_EAST_1_SECRET_KEY", "peer-secret");
        PeerS3 peers = peerS3(env, Map.of());

        assertEquals(new PeerS3.Access("region-replicator-eu-west-1", "peer-secret", Optional.of(ca())),
                peers.access("us-east-1"));
        assertEquals(new PeerS3.Access("shared-key", "shared-secret", Optional.empty()), peers.access("eu-west-1"),
                "the in-cluster peer keeps the shared pair and the JVM's trust");
    }

    @Test
    void theCaFileIsTheOnlyAuthorityTrusted() throws Exception {
        PeerS3.Trust trust = PeerS3.trust(ca());
        assertEquals(1, trust.trustManager().getAcceptedIssuers().length, "the peer's CA, not the JVM's hundred-odd");
        assertTrue(trust.trustManager().getAcceptedIssuers()[0].getSubjectX500Principal().getName().contains("CN=localhost"));
    }

    @Test
    void aMisspeltSettingOrRegionRefusesToStartInEitherForm() {
        assertThrows(IllegalArgumentException.class, () -> peerS3(Map.of(),
                Map.of("imageregistry.replicator.peer-s3.us-east-1.ca-fil", ca().toString())));
        assertThrows(IllegalArgumentException.class, () -> peerS3(Map.of(),
                Map.of("imageregistry.replicator.peer-s3.us-east-2.ca-file", ca().toString())));
        assertThrows(IllegalArgumentException.class, () -> peerS3(
                Map.of("IMAGEREGISTRY_REPLICATOR_PEER_S3_US_EAST_1_CAFILE", ca().toString()), Map.of()));
    }

    @Test
    void halfAKeyPairOrACaFileWithoutACertificateRefusesToStart() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> peerS3(Map.of(),
                Map.of("imageregistry.replicator.peer-s3.us-east-1.access-key", "only-the-key")));
        Path notACertificate = Files.writeString(dir.resolve("empty.crt"), "not a certificate\n");
        assertThrows(IllegalArgumentException.class, () -> peerS3(Map.of(),
                Map.of("imageregistry.replicator.peer-s3.us-east-1.ca-file", notACertificate.toString())));
        assertThrows(RuntimeException.class, () -> peerS3(Map.of(),
                Map.of("imageregistry.replicator.peer-s3.us-east-1.ca-file", dir.resolve("missing.crt").toString())));
    }

    private static PeerS3 peerS3(Map<String, String> env, Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(env, 300), new PropertiesConfigSource(properties, "test", 250))
                .build();
        return new PeerS3(new SourceRegions(Optional.of(REGIONS)), config, "shared-key", "shared-secret");
    }
}
