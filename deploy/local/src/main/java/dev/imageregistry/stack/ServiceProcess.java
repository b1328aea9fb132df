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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One service of one Region, running as its own JVM from its packaged Quarkus application. Supervised as Kubernetes
 * supervises a container: if it exits while the stack runs (a crash, an out-of-memory kill, a {@code kill -9}), it
 * is started again with the same command, after 1 s, doubling to 30 s while it keeps dying within a minute of its
 * start, and a line says so.
 */
final class ServiceProcess {
    static final Duration FIRST_RESTART = Duration.ofSeconds(1);
    static final Duration LONGEST_RESTART = Duration.ofSeconds(30);
    /** Up this long, a service that dies is restarted after {@link #FIRST_RESTART} again. */
    static final Duration STEADY = Duration.ofSeconds(60);

    private final String region;
    private final String service;
    private final int port;
    private final ProcessBuilder builder;
    private final Path log;
    private volatile Process process;
    private volatile boolean stopping;
    private long startedAt;
    private Duration nextRestart = FIRST_RESTART;
    private int restarts;

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
            startedAt = System.nanoTime();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + service + " of " + region, e);
        }
    }

    /** From now on, an exit that {@link #stop} did not ask for is followed by a restart. */
    void supervise(ScheduledExecutorService restarts) {
        Process watched = process;
        watched.onExit().thenAccept(exited -> {
            if (stopping) {
                return;
            }
            Duration delay = delayAfter(Duration.ofNanos(System.nanoTime() - startedAt));
            LocalStack.log(String.format("%s exited with %d after %d s; restarting it in %d s (restart %d)",
                    name(region, service), exited.exitValue(), Duration.ofNanos(System.nanoTime() - startedAt)
                            .toSeconds(), delay.toSeconds(), ++this.restarts));
            restarts.schedule(() -> {
                try {
                    if (restartUnlessStopping()) {
                        supervise(restarts);
                    }
                } catch (RuntimeException e) {
                    LocalStack.log("could not restart " + name(region, service) + ": " + e);
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /** Synchronized with {@link #stop}: a stop never misses a process that a restart was starting. */
    private synchronized boolean restartUnlessStopping() {
        if (stopping) {
            return false;
        }
        launch();
        return true;
    }

    /** Kubernetes' crash-loop back-off, shortened for one machine: doubling while it dies young. */
    private synchronized Duration delayAfter(Duration lived) {
        if (lived.compareTo(STEADY) >= 0) {
            nextRestart = FIRST_RESTART;
        }
        Duration delay = nextRestart;
        nextRestart = nextRestart.multipliedBy(2).compareTo(LONGEST_RESTART) > 0 ? LONGEST_RESTART
                : nextRestart.multipliedBy(2);
        return delay;
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
