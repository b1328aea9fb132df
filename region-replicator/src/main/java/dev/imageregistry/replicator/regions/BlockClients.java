package dev.imageregistry.replicator.regions;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.imageregistry.blockstore.BlockHttp;
import io.minio.MinioClient;
import okhttp3.OkHttpClient;

/**
 * S3 clients for block traffic, one per endpoint, on the block store's tuned HTTP client ({@link BlockHttp}): the
 * extension's default client would cap a parallel copy at a fraction of what S3 can take.
 * <p>
 * A source Region is read with its own key pair and CA if it has them ({@link PeerS3}); a peer with a CA file gets
 * a client derived from the tuned one (same dispatcher, socket factory and timeouts) that trusts that CA only. The
 * CA file is read at every {@link #source} call (once per copy attempt) and the client rebuilt when it changed.
 */
@ApplicationScoped
public class BlockClients {
    private final Map<String, MinioClient> clients = new ConcurrentHashMap<>();
    /** Per source Region: the client and the CA text it trusts (null: the JVM's defaults). */
    private final Map<String, SourceClient> sources = new ConcurrentHashMap<>();
    private final OkHttpClient http;
    private final PeerS3 peers;
    private final String destinationEndpoint;
    private final String destinationAccessKey;
    private final String destinationSecretKey;

    private record SourceClient(String caPem, MinioClient client) {
    }

    public BlockClients(@ConfigProperty(name = "quarkus.minio.host") String destinationEndpoint,
            @ConfigProperty(name = "quarkus.minio.access-key") String destinationAccessKey,
            @ConfigProperty(name = "quarkus.minio.secret-key") String destinationSecretKey,
            PeerS3 peers,
            @ConfigProperty(name = "imageregistry.replicator.parallelism", defaultValue = "16") int parallelism) {
        this.http = BlockHttp.tuned(4 * parallelism, 2 * parallelism, Duration.ofSeconds(3), Duration.ofSeconds(20));
        this.destinationEndpoint = destinationEndpoint;
        this.destinationAccessKey = destinationAccessKey;
        this.destinationSecretKey = destinationSecretKey;
        this.peers = peers;
    }

    public MinioClient destination() {
        return clients.computeIfAbsent("destination", key -> client(destinationEndpoint, destinationAccessKey,
                destinationSecretKey));
    }

    /**
     * The client for {@code region}'s blocks. Throws if its CA file cannot be read or holds no certificate: the copy
     * attempt then waits and retries like any other failure to reach the source.
     */
    public MinioClient source(SourceRegion region) {
        PeerS3.Access access = peers.access(region.name());
        String caPem = access.caFile().map(PeerS3::read).orElse(null);
        return sources.compute(region.name(), (name, known) -> {
            if (known != null && java.util.Objects.equals(known.caPem(), caPem)) {
                return known;
            }
            OkHttpClient peerHttp = http;
            if (caPem != null) {
                PeerS3.Trust trust = PeerS3.trusting(caPem, access.caFile().get());
                // Shares the dispatcher and connection pool; connections are pooled per TLS settings, so none made
                // under an older CA is reused.
                peerHttp = http.newBuilder().sslSocketFactory(trust.context().getSocketFactory(), trust.trustManager())
                        .build();
            }
            return new SourceClient(caPem, client(region.s3Endpoint(), access.accessKey(), access.secretKey(), peerHttp));
        }).client();
    }

    private MinioClient client(String endpoint, String accessKey, String secretKey) {
        return client(endpoint, accessKey, secretKey, http);
    }

    private static MinioClient client(String endpoint, String accessKey, String secretKey, OkHttpClient http) {
        return BlockHttp.s3(endpoint, accessKey, secretKey, "us-east-1", http);
    }

    @PreDestroy
    void close() {
        BlockHttp.close(http);
    }
}
