package dev.imageregistry.replicator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

import dev.imageregistry.replicator.regions.BlockClients;
import dev.imageregistry.replicator.regions.PeerS3;
import dev.imageregistry.replicator.regions.SourceRegion;
import dev.imageregistry.replicator.regions.SourceRegions;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The replicator's S3 client for a peer, against the source Region's real HTTPS endpoint (S3Proxy with a
 * certificate made at test time, {@link SourceRegionFixture}): what each per-peer setting changes on the wire.
 * A {@code @QuarkusTest} only to share the copy tests' source Region (their fixture lives in Quarkus' class loader;
 * a plain test would start a second broker in this JVM); the clients are built here, not the application's.
 */
@QuarkusTest
@WithTestResource(TwoRegionTestResource.class)
class SourceS3OverTlsTest {
    static final String SHARED_KEY = "this-regions-own-key";

    @Test
    void withoutTheCaTheJvmsDefaultAuthoritiesRefuseThePeersCertificate() {
        SourceRegionFixture source = SourceRegionFixture.get();
        String block = source.store(source.newBlock());
        Exception refused = assertThrows(Exception.class, () -> read(clients(Map.of(
                "access-key", SourceRegionFixture.PEER_S3_USER, "secret-key", SourceRegionFixture.PEER_S3_SECRET)), block));
        assertInstanceOf(SSLHandshakeException.class, rootOrSelf(refused, SSLHandshakeException.class), refused.toString());
    }

    @Test
    void withTheCaAndThePeersKeyPairTheBlockIsRead() throws Exception {
        SourceRegionFixture source = SourceRegionFixture.get();
        byte[] data = source.newBlock();
        String block = source.store(data);
        assertArrayEquals(data, read(clients(Map.of("ca-file", source.trustedCa.toString(),
                "access-key", SourceRegionFixture.PEER_S3_USER, "secret-key", SourceRegionFixture.PEER_S3_SECRET)), block));
    }

    @Test
    void withTheCaButTheSharedKeyPairThePeerRefusesTheRequest() {
        SourceRegionFixture source = SourceRegionFixture.get();
        String block = source.store(source.newBlock());
        // TLS is fine; the source does not know this Region's own key pair (only its own admin and the peer user).
        ErrorResponseException refused = assertThrows(ErrorResponseException.class,
                () -> read(clients(Map.of("ca-file", source.trustedCa.toString())), block));
        assertEquals(403, refused.response().code());
    }

    private static MinioClient clients(Map<String, String> peerSettings) {
        SourceRegionFixture source = SourceRegionFixture.get();
        Map<String, String> properties = new java.util.HashMap<>();
        peerSettings.forEach((key, value) -> properties.put(
                TwoRegionTestResource.peerS3(SourceRegionFixture.REGION, key), value));
        String regions = SourceRegionFixture.REGION + "=" + source.kafka.peerBootstrapServers() + "|"
                + source.peerS3Endpoint();
        SourceRegions list = new SourceRegions(Optional.of(regions));
        PeerS3 peers = new PeerS3(list, new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 250)).build(), SHARED_KEY, "its-secret-key");
        BlockClients clients = new BlockClients("http://127.0.0.1:1", "unused", "unused", peers, 2);
        SourceRegion region = list.find(SourceRegionFixture.REGION).orElseThrow();
        return clients.source(region);
    }

    private static byte[] read(MinioClient client, String checksum) throws Exception {
        try (var in = client.getObject(GetObjectArgs.builder().bucket("blocks")
                .object("blocks/" + HexFormat.of().formatHex(Base64.getDecoder().decode(checksum))).build())) {
            return in.readAllBytes();
        }
    }

    private static Throwable rootOrSelf(Throwable thrown, Class<?> wanted) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (wanted.isInstance(t)) {
                return t;
            }
        }
        return thrown;
    }
}
