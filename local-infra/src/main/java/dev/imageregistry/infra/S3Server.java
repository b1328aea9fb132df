package dev.imageregistry.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * An S3-compatible server standing in for MinIO where MinIO cannot be had (S3Proxy over the file system). It
 * runs as a child process because its fat jar carries its own Guava, Jackson and Jetty; the process is
 * destroyed on {@link #close()} and, should the JVM end first, by a shutdown hook.
 * <p>
 * {@link #startWithPeerEndpoint} adds what another cluster's Region would be given: an HTTPS endpoint with a
 * self-signed certificate made at start ({@link #peerCertificate()}), and a second key pair (S3Proxy takes one
 * identity per {@code --properties} file; both files serve the same directory, so both users see the same
 * buckets). The plain HTTP endpoint stays for the test itself and this Region's services.
 */
public final class S3Server implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(S3Server.class);

    private volatile Process process;
    private final ProcessBuilder command;
    private final String endpoint;
    private final String accessKey;
    private final String secretKey;
    private final Thread reaper;
    private final String peerEndpoint;
    private final SelfSignedCertificate peerCertificate;

    private S3Server(Process process, ProcessBuilder command, String endpoint, String accessKey, String secretKey,
            String peerEndpoint, SelfSignedCertificate peerCertificate) {
        this.process = process;
        this.command = command;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.peerEndpoint = peerEndpoint;
        this.peerCertificate = peerCertificate;
        this.reaper = new Thread(() -> this.process.destroyForcibly(), "s3-server-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /** Starts the server over {@code dataDirectory}; objects written there survive a restart. */
    public static S3Server start(Path dataDirectory, String accessKey, String secretKey) {
        return start(dataDirectory, accessKey, secretKey, null, null);
    }

    /**
     * A server that also serves HTTPS, as a Region's blocks are exposed to peers in other clusters, and knows a
     * second key pair ({@code peerAccessKey}, the user such a peer is given). The certificate is made under
     * {@code dataDirectory}, so a restart over the same directory presents the same one.
     */
    public static S3Server startWithPeerEndpoint(Path dataDirectory, String accessKey, String secretKey,
            String peerAccessKey, String peerSecretKey) {
        return start(dataDirectory, accessKey, secretKey, java.util.Objects.requireNonNull(peerAccessKey),
                java.util.Objects.requireNonNull(peerSecretKey));
    }

    private static S3Server start(Path dataDirectory, String accessKey, String secretKey, String peerAccessKey,
            String peerSecretKey) {
        long started = System.nanoTime();
        boolean peers = peerAccessKey != null;
        int[] ports = FreePort.distinct(2);
        String endpoint = "http://127.0.0.1:" + ports[0];
        String peerEndpoint = peers ? "https://127.0.0.1:" + ports[1] : null;
        try {
            Path objects = Files.createDirectories(dataDirectory.resolve("objects"));
            Properties props = new Properties();
            props.put("s3proxy.endpoint", endpoint);
            props.put("s3proxy.authorization", "aws-v2-or-v4");
            props.put("jclouds.provider", "filesystem");
            props.put("jclouds.filesystem.basedir", objects.toString());
            SelfSignedCertificate certificate = null;
            if (peers) {
                certificate = SelfSignedCertificate.in(dataDirectory.resolve("tls"));
                // S3Proxy 4.1.0's Jetty 12 reads the key store as PKCS12 (its default type), which keytool writes.
                props.put("s3proxy.secure-endpoint", peerEndpoint);
                props.put("s3proxy.keystore-path", certificate.keyStore().toString());
                props.put("s3proxy.keystore-password", certificate.keyStorePassword());
            }
            List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-jar", serverJar().toString()));
            command.addAll(List.of("--properties", write(props, accessKey, secretKey, dataDirectory.resolve("s3proxy.properties"))));
            if (peers) {
                // Every s3proxy.* setting must be the same in all files; only the identity differs.
                command.addAll(List.of("--properties",
                        write(props, peerAccessKey, peerSecretKey, dataDirectory.resolve("s3proxy-peer.properties"))));
            }
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDirectory.resolve("s3proxy.log").toFile()));
            S3Server server = new S3Server(builder.start(), builder, endpoint, accessKey, secretKey, peerEndpoint,
                    certificate);
            server.awaitReady();
            LOG.infof("S3 server ready at %s%s in %d ms (pid %d)", endpoint,
                    peers ? " (HTTPS for peers at " + peerEndpoint + ")" : "",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), server.pid());
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("the S3 server did not start", e);
        }
    }

    public String endpoint() {
        return endpoint;
    }

    /** The HTTPS endpoint; only for {@link #startWithPeerEndpoint}. */
    public String peerEndpoint() {
        if (peerEndpoint == null) {
            throw new IllegalStateException("this S3 server was started without the peer endpoint");
        }
        return peerEndpoint;
    }

    /** The PEM certificate the HTTPS endpoint presents: what a client of that endpoint trusts. */
    public Path peerCertificate() {
        peerEndpoint();
        return peerCertificate.certificatePem();
    }

    private static String write(Properties shared, String identity, String credential, Path file) throws IOException {
        Properties props = new Properties();
        props.putAll(shared);
        props.put("s3proxy.identity", identity);
        props.put("s3proxy.credential", credential);
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, "written by S3Server");
        }
        return file.toString();
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Completes when the server's process exits (the one running now). */
    public java.util.concurrent.CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /**
     * Starts the server again after its process died: the same command, so the same ports, directory and keys
     * (clients reconnect to the endpoint they had). Returns once it answers.
     */
    public synchronized void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("the S3 server at " + endpoint + " is running");
        }
        try {
            process = command.start();
        } catch (IOException e) {
            throw new UncheckedIOException("the S3 server did not start again", e);
        }
        awaitReady();
        LOG.infof("S3 server at %s started again (pid %d)", endpoint, process.pid());
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the S3 server exited with " + process.exitValue());
            }
            try {
                // Any HTTP answer (an unsigned request gets 403) means it is serving.
                http.send(HttpRequest.newBuilder(URI.create(endpoint + "/")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                pause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("the S3 server did not answer within 60 s");
    }

    private static void pause() {
        try {
            // Polling a port that is not open yet: there is no event to wait on.
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Path serverJar() {
        String configured = System.getProperty("s3proxy.jar", System.getenv("S3PROXY_JAR"));
        if (configured != null) {
            return Path.of(configured);
        }
        Properties props = new Properties();
        try (InputStream in = S3Server.class.getResourceAsStream("local-infra.properties")) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path jar = Path.of(props.getProperty("s3proxy.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy jar not found at " + jar + "; build local-infra first (./mvnw install -pl local-infra)");
        }
        return jar;
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
