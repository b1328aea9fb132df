package dev.imageregistry.blockstore;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;

import javax.net.SocketFactory;

import io.minio.MinioClient;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * HTTP clients for block traffic. Not OkHttp's defaults (which the MinIO extension's client uses): they leave
 * Nagle on, which delays each block request's last segment, and allow 5 requests per host, which caps parallel
 * block traffic at a fraction of what S3 takes (NOTES.md: together they halve block throughput).
 */
public final class BlockHttp {
    private BlockHttp() {
    }

    /**
     * A client with Nagle off and room for {@code maxRequests} in flight ({@code maxPerHost} to one server);
     * {@code timeout} bounds reading and writing.
     */
    public static OkHttpClient tuned(int maxRequests, int maxPerHost, Duration connect, Duration timeout) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(maxRequests);
        dispatcher.setMaxRequestsPerHost(maxPerHost);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .socketFactory(new NoDelay())
                .connectTimeout(connect)
                .readTimeout(timeout)
                .writeTimeout(timeout)
                .retryOnConnectionFailure(true)
                .build();
    }

    /** A MinIO client over {@code http}. The region is given so the client never asks for a bucket's location. */
    public static MinioClient s3(String endpoint, String accessKey, String secretKey, String region,
            OkHttpClient http) {
        return MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region(region)
                .httpClient(http).build();
    }

    /** Releases a client's threads and pooled connections. */
    public static void close(OkHttpClient http) {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private static final class NoDelay extends SocketFactory {
        private final SocketFactory plain = SocketFactory.getDefault();

        private static Socket noDelay(Socket socket) throws IOException {
            socket.setTcpNoDelay(true);
            return socket;
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(plain.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(plain.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(plain.createSocket(address, port, localAddress, localPort));
        }
    }
}
