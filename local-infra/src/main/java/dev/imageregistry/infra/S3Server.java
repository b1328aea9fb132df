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
 */
public final class S3Server implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(S3Server.class);

    private final Process process;
    private final String endpoint;
    private final String accessKey;
    private final String secretKey;
    private final Thread reaper;

    private S3Server(Process process, String endpoint, String accessKey, String secretKey) {
        this.process = process;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.reaper = new Thread(process::destroyForcibly, "s3-server-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /** Starts the server over {@code dataDirectory}; objects written there survive a restart. */
    public static S3Server start(Path dataDirectory, String accessKey, String secretKey) {
        long started = System.nanoTime();
        int port = FreePort.next();
        String endpoint = "http://127.0.0.1:" + port;
        try {
            Path objects = Files.createDirectories(dataDirectory.resolve("objects"));
            Properties props = new Properties();
            props.put("s3proxy.endpoint", endpoint);
            props.put("s3proxy.authorization", "aws-v2-or-v4");
            props.put("s3proxy.identity", accessKey);
            props.put("s3proxy.credential", secretKey);
            props.put("jclouds.provider", "filesystem");
            props.put("jclouds.filesystem.basedir", objects.toString());
            Path config = dataDirectory.resolve("s3proxy.properties");
            try (Writer out = Files.newBufferedWriter(config)) {
                props.store(out, "written by S3Server");
            }
            List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-jar", serverJar().toString(), "--properties", config.toString()));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dataDirectory.resolve("s3proxy.log").toFile())
                    .start();
            S3Server server = new S3Server(process, endpoint, accessKey, secretKey);
            server.awaitReady();
            LOG.infof("S3 server ready at %s in %d ms (pid %d)", endpoint,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), process.pid());
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("the S3 server did not start", e);
        }
    }

    public String endpoint() {
        return endpoint;
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
