package dev.imageregistry.gateway.benchmark;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.imageregistry.infra.AccountTokens;
import dev.imageregistry.infra.PostgresServer;
import dev.imageregistry.infra.RegionTestResource;

/**
 * A service of this repository run by a benchmark as its own process from its packaged jar (as the local stack and
 * Kubernetes run it): its application copied first, waited for until ready, stopped with SIGTERM.
 */
final class PackagedService {
    private PackagedService() {
    }

    /**
     * The service's packaged application, copied: a build of the service running beside the benchmark (on a shared
     * machine) must not replace its jars under the running process.
     */
    static Path copyOfApp(String service, Path directory) throws IOException {
        String root = System.getProperty("project.root", "..");
        Path source = Path.of(root, service, "target", "quarkus-app").toAbsolutePath().normalize();
        if (!Files.isRegularFile(source.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException(source.resolve("quarkus-run.jar") + " is missing: build it first with "
                    + "./mvnw -B -q -o package -DskipTests -pl " + service + " -am");
        }
        Path target = directory.resolve(service + "-app");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path copy = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return target;
    }

    /**
     * Starts the service from a copy of its packaged application on {@code port}, in us-east-1, with the Region's
     * broker and {@code database}, the identity provider's public key under {@code directory} and its own per-account
     * limits far above what a benchmark asks (they are on, as in production, and never refuse), plus {@code extra};
     * killed with the JVM if the benchmark does not stop it, and returned once ready.
     */
    static Process start(String service, String jvm, Path directory, Path log, int port,
            RegionTestResource.Region region, String database, Map<String, String> extra) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", region.kafka().bootstrapServers());
        env.put("DB_URL", database);
        env.put("DB_USER", PostgresServer.USER);
        env.put("DB_PASSWORD", "");
        env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", directory.resolve("identity/token-verify.pub").toString());
        env.put("JWT_ISSUER", AccountTokens.ISSUER);
        for (String limit : List.of("DESCRIBE", "MUTATE", "LAUNCH", "BLOCKS")) {
            env.put("IMAGEREGISTRY_LIMIT_" + limit + "_BUCKET", "1e9");
            env.put("IMAGEREGISTRY_LIMIT_" + limit + "_PER_SECOND", "1e9");
        }
        env.putAll(extra);
        return start(service, jvm, directory, log, port, env);
    }

    /**
     * Starts {@code service} from a copy of its packaged application on {@code port}, in us-east-1, with
     * {@code environment} and nothing else; killed with the JVM if the benchmark does not stop it, and returned once
     * ready.
     */
    static Process start(String service, String jvm, Path directory, Path log, int port, Map<String, String> environment)
            throws IOException {
        Path app = copyOfApp(service, directory);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(jvm.trim().split("\\s+")));
        command.addAll(List.of("-Dquarkus.http.host=127.0.0.1", "-jar", app.resolve("quarkus-run.jar").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("HTTP_PORT", String.valueOf(port));
        env.put("REGION", "us-east-1");
        env.putAll(environment);
        Process process = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "benchmark-" + service + "-kill"));
        awaitReady(service, process, "http://127.0.0.1:" + port, Duration.ofMinutes(3), log);
        return process;
    }

    /** Waits until the process answers its readiness check, or fails saying where its log is. */
    static void awaitReady(String service, Process process, String url, Duration timeout, Path log) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the " + service + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(url + "/q/health/ready").toURL().openConnection();
                connection.setConnectTimeout(1000);
                connection.setReadTimeout(2000);
                int status = connection.getResponseCode();
                connection.disconnect();
                if (status == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the " + service + " was not ready within " + timeout + "; see " + log);
            }
            try {
                Thread.sleep(250); // a readiness poll of a process being started, not a wait in a test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** SIGTERM (Quarkus stops gracefully), then SIGKILL if it has not stopped within 20 s. */
    static void stop(Process process) {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
