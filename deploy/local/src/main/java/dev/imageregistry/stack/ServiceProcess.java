package dev.imageregistry.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One service of one Region, running as its own JVM from its packaged Quarkus application; the stack's
 * {@link Supervisor} starts it again if it dies.
 */
final class ServiceProcess implements Supervisor.Supervised {
    private final String region;
    private final String service;
    private final int port;
    private final ProcessBuilder builder;
    private final Path log;
    private volatile Process process;
    private volatile boolean stopping;

    private ServiceProcess(String region, String service, int port, ProcessBuilder builder, Path log) {
        this.region = region;
        this.service = service;
        this.port = port;
        this.builder = builder;
        this.log = log;
    }

    static ServiceProcess start(Path projectRoot, String region, String service, int port, String heap,
            Map<String, String> environment, Path logDirectory) {
        Path jar = projectRoot.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build first (./mvnw -DskipTests package)");
        }
        // The name on the command line says which Region's service a process is (ps, and the fault drill's kill).
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx" + heap, "-Xss512k",
                "-XX:+UseSerialGC", "-XX:ReservedCodeCacheSize=48m", "-XX:MaxMetaspaceSize=160m",
                "-Dquarkus.http.host=127.0.0.1", "-Dimage-registry.process=" + name(region, service), "-jar",
                jar.toString()));
        Path log = logDirectory.resolve(region + "-" + service + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        builder.environment().put("HTTP_PORT", String.valueOf(port));
        builder.environment().put("REGION", region);
        ServiceProcess started = new ServiceProcess(region, service, port, builder, log);
        started.launch();
        return started;
    }

    /** The {@code -Dimage-registry.process} value of a Region's service. */
    static String name(String region, String service) {
        return region + "/" + service;
    }

    private synchronized void launch() {
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + service + " of " + region, e);
        }
    }

    @Override
    public String name() {
        return name(region, service);
    }

    @Override
    public CompletableFuture<String> onExit() {
        return process.onExit().thenApply(exited -> "exited with " + exited.exitValue());
    }

    /** /q/health/live answers 200 (the Kafka channels, among others, are not failed). */
    @Override
    public java.util.function.BooleanSupplier liveness() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        return () -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/q/health/live"))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
    }

    @Override
    public void kill() {
        process.destroyForcibly();
    }

    /** Synchronized with {@link #stop}: a stop never misses a process that a restart was starting. */
    @Override
    public synchronized boolean restartUnlessStopping() {
        if (stopping) {
            return false;
        }
        launch();
        return true;
    }

    String region() {
        return region;
    }

    String service() {
        return service;
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** True once /q/health/ready answers 200: its database, Kafka and (where used) S3 are reachable. */
    boolean isReady(HttpClient http) {
        if (!process.isAlive()) {
            throw new IllegalStateException(service + " of " + region + " exited with " + process.exitValue()
                    + "; the end of its log (" + log + "):\n" + tail(log, 40));
        }
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The last lines of a log, for the failure message: whoever started the stack (a person, or CI with a temporary
     * data directory that is gone afterwards) sees why the service stopped without looking for its file.
     */
    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** Asks the JVM to stop (SIGTERM: Quarkus shuts down gracefully), for good: it is not restarted. */
    synchronized void stop() {
        stopping = true;
        process.destroy();
    }

    /** Waits for the JVM to stop, and kills it if it does not. */
    void awaitStopped() {
        Process process = this.process;
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
