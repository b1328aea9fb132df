package dev.imageregistry.snapshot.blocks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;

import javax.net.SocketFactory;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.imageregistry.platform.errors.Ec2Exception;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.errors.ErrorResponseException;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The block objects in the Region's bucket. Its own MinIO client (same quarkus.minio.* settings as the
 * extension's) because the default OkHttp client leaves Nagle on and allows only 5 requests per host, which
 * halves block throughput (NOTES.md).
 */
@ApplicationScoped
public class BlockObjects {
    private final MinioClient s3;
    private final OkHttpClient http;
    private final String bucket;

    public BlockObjects(@ConfigProperty(name = "quarkus.minio.host") String host,
            @ConfigProperty(name = "quarkus.minio.access-key") String accessKey,
            @ConfigProperty(name = "quarkus.minio.secret-key") String secretKey,
            @ConfigProperty(name = "quarkus.minio.region", defaultValue = "us-east-1") String region,
            @ConfigProperty(name = "imageregistry.blocks.bucket") String bucket,
            @ConfigProperty(name = "imageregistry.blocks.s3-max-requests", defaultValue = "64") int maxRequests) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(maxRequests);
        dispatcher.setMaxRequestsPerHost(maxRequests);
        this.http = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .socketFactory(new NoDelaySocketFactory())
                .connectTimeout(Duration.ofSeconds(5))
                .readTimeout(Duration.ofSeconds(30))
                .writeTimeout(Duration.ofSeconds(30))
                .retryOnConnectionFailure(true)
                .build();
        this.s3 = MinioClient.builder().endpoint(host).credentials(accessKey, secretKey).region(region)
                .httpClient(http).build();
        this.bucket = bucket;
    }

    public void put(BlockChecksum checksum, byte[] data) {
        try {
            s3.putObject(PutObjectArgs.builder().bucket(bucket).object(checksum.objectKey())
                    .stream(new ByteArrayInputStream(data), data.length, -1)
                    .contentType("application/octet-stream").build());
        } catch (Exception e) {
            throw unavailable(e);
        }
    }

    public byte[] get(BlockChecksum checksum) {
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(checksum.objectKey()).build())) {
            // Sized for a block: readAllBytes would grow and copy its buffer several times per block.
            byte[] data = new byte[BlockChecksum.BLOCK_SIZE];
            int n = in.readNBytes(data, 0, data.length);
            if (n != data.length || in.read() != -1) {
                throw new IllegalStateException("object " + checksum.objectKey() + " is not one block");
            }
            return data;
        } catch (Exception e) {
            throw unavailable(e);
        }
    }

    /** Deletes an object; an object already gone counts as deleted. */
    public void remove(String checksumHex) {
        try {
            s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object("blocks/" + checksumHex).build());
        } catch (ErrorResponseException e) {
            if (!"NoSuchKey".equals(e.errorResponse().code())) {
                throw unavailable(e);
            }
        } catch (Exception e) {
            throw unavailable(e);
        }
    }

    /** S3 failures are the caller's to retry: nothing was referenced yet. */
    static Ec2Exception unavailable(Exception e) {
        return new Ec2Exception(503, "ServiceUnavailable",
                "The block store is unavailable (" + e.getClass().getSimpleName() + "); retry the request.");
    }

    @PreDestroy
    void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /** Sockets with TCP_NODELAY: a 512 KiB PUT otherwise often stalls ~40 ms on delayed ACKs. */
    static final class NoDelaySocketFactory extends SocketFactory {
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
