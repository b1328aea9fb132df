package dev.imageregistry.replicator.regions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.SocketFactory;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.minio.MinioClient;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * S3 clients for block traffic, one per endpoint. Not the extension's default client: OkHttp's defaults leave
 * Nagle on and allow 5 requests per host, which caps a parallel copy at a fraction of what S3 can take.
 */
@ApplicationScoped
public class BlockClients {
    private final Map<String, MinioClient> clients = new ConcurrentHashMap<>();
    private final OkHttpClient http;
    private final String destinationEndpoint;
    private final String destinationAccessKey;
    private final String destinationSecretKey;
    private final String sourceAccessKey;
    private final String sourceSecretKey;

    public BlockClients(@ConfigProperty(name = "quarkus.minio.host") String destinationEndpoint,
            @ConfigProperty(name = "quarkus.minio.access-key") String destinationAccessKey,
            @ConfigProperty(name = "quarkus.minio.secret-key") String destinationSecretKey,
            @ConfigProperty(name = "imageregistry.replicator.source-access-key") String sourceAccessKey,
            @ConfigProperty(name = "imageregistry.replicator.source-secret-key") String sourceSecretKey,
            @ConfigProperty(name = "imageregistry.replicator.parallelism", defaultValue = "16") int parallelism) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(4 * parallelism);
        dispatcher.setMaxRequestsPerHost(2 * parallelism);
        this.http = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .socketFactory(new NoDelay())
                .connectTimeout(Duration.ofSeconds(3))
                .readTimeout(Duration.ofSeconds(20))
                .writeTimeout(Duration.ofSeconds(20))
                .build();
        this.destinationEndpoint = destinationEndpoint;
        this.destinationAccessKey = destinationAccessKey;
        this.destinationSecretKey = destinationSecretKey;
        this.sourceAccessKey = sourceAccessKey;
        this.sourceSecretKey = sourceSecretKey;
    }

    public MinioClient destination() {
        return clients.computeIfAbsent("destination", key -> client(destinationEndpoint, destinationAccessKey,
                destinationSecretKey));
    }

    public MinioClient source(SourceRegion region) {
        return clients.computeIfAbsent("source:" + region.name(), key -> client(region.s3Endpoint(), sourceAccessKey,
                sourceSecretKey));
    }

    private MinioClient client(String endpoint, String accessKey, String secretKey) {
        // The region is fixed so the client never asks the server for a bucket location.
        return MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region("us-east-1")
                .httpClient(http).build();
    }

    @PreDestroy
    void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private static final class NoDelay extends SocketFactory {
        private final SocketFactory plain = SocketFactory.getDefault();

        private Socket tuned(Socket socket) throws IOException {
            socket.setTcpNoDelay(true);
            return socket;
        }

        @Override
        public Socket createSocket() throws IOException {
            return tuned(plain.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return tuned(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return tuned(plain.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return tuned(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return tuned(plain.createSocket(address, port, localAddress, localPort));
        }
    }
}
