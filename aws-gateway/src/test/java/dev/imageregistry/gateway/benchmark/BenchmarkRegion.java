package dev.imageregistry.gateway.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.infra.AccountTokens;
import dev.imageregistry.infra.FreePort;
import dev.imageregistry.infra.RegionTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The Region the benchmark's gateway talks to: a real Kafka broker and PostgreSQL (local-infra, in this JVM and as a
 * server process), the registry-service as a real process from its packaged jar (as the local stack and Kubernetes
 * run it), an identity provider's key pair, and an access key for the gateway. Returns the gateway's configuration,
 * plus {@code benchmark.*} entries the benchmark reads (the registry's address and process, the keys), so nothing is
 * shared through static fields across Quarkus' class loaders.
 */
public class BenchmarkRegion implements QuarkusTestResourceLifecycleManager {
    static final String ACCOUNT = "111111111111";
    /** FloodBenchmark: the account whose latency is measured, and the accounts that flood (limited, and not). */
    static final String VICTIM = "222222222222";
    static final String FLOODER = "333333333333";
    static final String FREE_FLOODER = "444444444444";
    static final String REGION = "us-east-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TOPICS = List.of("image-events", "snapshot-events", "copy-events", "instance-events");
    private static final String REGISTRY_JVM = System.getProperty("benchmark.registry.jvm", "-Xmx512m");

    private Process registry;
    private Path log;

    @Override
    public Map<String, String> start() {
        try {
            Path directory = Path.of("target", "gateway-benchmark").toAbsolutePath();
            delete(directory);
            Files.createDirectories(directory);
            RegionTestResource.Region region = RegionTestResource.region();
            region.kafka().createTopics(TOPICS, 3);
            String database = region.postgres().database("registry");

            // The identity provider's keys, as the local stack keeps them: the gateway signs with the private one,
            // the registry verifies with the public one; the benchmark's direct clients get tokens from the same.
            AccountTokens tokens = AccountTokens.loadOrCreate(directory.resolve("identity"));
            // One access key per account: the benchmark's own, and FloodBenchmark's victim and two flooders.
            ObjectNode keys = JSON.createObjectNode();
            ArrayNode accessKeys = keys.putArray("AccessKeys");
            Map<String, String[]> credentials = new LinkedHashMap<>();
            for (String account : List.of(ACCOUNT, VICTIM, FLOODER, FREE_FLOODER)) {
                String id = "AKIA" + random("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
                String key = random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
                accessKeys.addObject().put("AccessKeyId", id).put("SecretAccessKey", key).put("Account", account)
                        .put("UserName", "bench");
                credentials.put(account, new String[] {id, key});
            }
            String accessKeyId = credentials.get(ACCOUNT)[0];
            String secret = credentials.get(ACCOUNT)[1];
            Path keysFile = directory.resolve("access-keys.json");
            JSON.writerWithDefaultPrettyPrinter().writeValue(keysFile.toFile(), keys);

            int port = FreePort.next();
            log = Path.of("target", "benchmark-registry.log").toAbsolutePath();
            // The registry's own per-account limits, like the gateway's below: on, but far above what the direct
            // path's one account asks for (the gateway's calls are admitted there and not counted here again).
            registry = PackagedService.start("registry-service", REGISTRY_JVM, directory, log, port, region, database,
                    Map.of());
            String registryUrl = "http://127.0.0.1:" + port;

            Map<String, String> config = new HashMap<>();
            config.put("gateway.region", REGION);
            // Another Region that is never asked: every request here is signed for us-east-1.
            config.put("gateway.regions", REGION + "=http://127.0.0.1:" + FreePort.next());
            config.put("gateway.services.registry", registryUrl);
            config.put("gateway.services.snapshot", registryUrl);
            config.put("gateway.services.launch", registryUrl);
            config.put("gateway.services.replicator", registryUrl);
            config.put("gateway.access-keys-file", keysFile.toString());
            config.put("smallrye.jwt.sign.key.location", directory.resolve("identity/token-signing.key").toString());
            config.put("smallrye.jwt.new-token.issuer", AccountTokens.ISSUER);
            config.put("quarkus.http.test-port", "0");
            // The per-account request limits are the defaults (100 describes and 20 changes per second), but the
            // benchmark's own account has its own, far above what it asks for: its buckets are part of every
            // request's cost, and never refuse. FloodBenchmark's victim and flooder have the defaults, its free
            // flooder no limit at all (the flood as it would be without limits).
            for (String limit : List.of("describe", "mutate", "launch", "blocks")) {
                config.put("gateway.limits.accounts.\"" + ACCOUNT + "\"." + limit + ".bucket", "1e9");
                config.put("gateway.limits.accounts.\"" + ACCOUNT + "\"." + limit + ".per-second", "1e9");
                config.put("gateway.limits.accounts.\"" + FREE_FLOODER + "\"." + limit + ".per-second", "0");
            }
            // The same loopback address as the registry's, for both paths' clients alike.
            config.put("quarkus.http.host", "127.0.0.1");

            config.put("benchmark.registry-url", registryUrl);
            config.put("benchmark.registry-pid", String.valueOf(registry.pid()));
            config.put("benchmark.kafka", region.kafka().bootstrapServers());
            config.put("benchmark.postgres-pid-file", region.directory().resolve("postgres/postmaster.pid").toString());
            config.put("benchmark.token", tokens.token(ACCOUNT, Duration.ofHours(2)));
            config.put("benchmark.access-key-id", accessKeyId);
            config.put("benchmark.secret-access-key", secret);
            config.put("benchmark.victim-token", tokens.token(VICTIM, Duration.ofHours(2)));
            for (var account : Map.of("victim", VICTIM, "flooder", FLOODER, "free-flooder", FREE_FLOODER).entrySet()) {
                config.put("benchmark." + account.getKey() + ".access-key-id", credentials.get(account.getValue())[0]);
                config.put("benchmark." + account.getKey() + ".secret-access-key", credentials.get(account.getValue())[1]);
            }
            return config;
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    @Override
    public void stop() {
        PackagedService.stop(registry);
        // The broker and PostgreSQL are local-infra's, stopped by its shutdown hook with the JVM.
    }



    private static String random(String alphabet, int length) {
        SecureRandom random = new SecureRandom();
        StringBuilder value = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            value.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return value.toString();
    }

    private static void delete(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
