package dev.imageregistry.gateway.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.imageregistry.infra.AccountTokens;
import dev.imageregistry.infra.FreePort;
import dev.imageregistry.infra.RegionTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The Region of {@link BlockBenchmark}: a real broker, PostgreSQL and S3 server (local-infra), the snapshot-service as
 * its own process from its packaged jar, configured as the local stack configures it, and the gateway's configuration
 * pointing at it. Like {@link BenchmarkRegion}, what the benchmark needs is passed as {@code benchmark.*} entries.
 */
public class BlockBenchmarkRegion implements QuarkusTestResourceLifecycleManager {
    static final String ACCOUNT = "111111111111";
    static final String ACCESS_KEY_ID = "AKIABLOCKBENCHMARK01";
    static final String SECRET = "block/benchmark/secret/block/benchmark/0";
    private static final String JVM = System.getProperty("benchmark.snapshot.jvm", "-Xmx512m");

    private Process service;
    private Path log;

    @Override
    public Map<String, String> start() {
        try {
            Path directory = Path.of("target", "block-benchmark").toAbsolutePath();
            Files.createDirectories(directory);
            RegionTestResource.Region region = RegionTestResource.region();
            region.kafka().createTopics(List.of("image-events", "snapshot-events", "copy-events", "instance-events"), 3);
            AccountTokens tokens = AccountTokens.loadOrCreate(directory.resolve("identity"));
            Path keys = directory.resolve("access-keys.json");
            Files.writeString(keys, "{\"AccessKeys\":[{\"AccessKeyId\":\"" + ACCESS_KEY_ID + "\",\"SecretAccessKey\":\""
                    + SECRET + "\",\"Account\":\"" + ACCOUNT + "\",\"UserName\":\"bench\"}]}");

            int port = FreePort.next();
            log = Path.of("target", "block-benchmark-snapshot-service.log").toAbsolutePath();
            service = PackagedService.start("snapshot-service", JVM, directory, log, port, region,
                    region.postgres().database("snapshot"), Map.of("S3_ENDPOINT", region.s3().endpoint(),
                            "S3_ACCESS_KEY", region.s3().accessKey(), "S3_SECRET_KEY", region.s3().secretKey(),
                            "S3_BUCKET", "blocks"));
            String url = "http://127.0.0.1:" + port;

            Map<String, String> config = new HashMap<>();
            config.put("gateway.region", "us-east-1");
            config.put("gateway.regions", "us-east-1=http://127.0.0.1:" + FreePort.next());
            for (String other : List.of("registry", "snapshot", "launch", "replicator")) {
                config.put("gateway.services." + other, url);
            }
            config.put("gateway.access-keys-file", keys.toString());
            config.put("smallrye.jwt.sign.key.location", directory.resolve("identity/token-signing.key").toString());
            config.put("smallrye.jwt.new-token.issuer", AccountTokens.ISSUER);
            config.put("quarkus.http.test-port", "0");
            config.put("quarkus.http.host", "127.0.0.1");
            for (String limit : List.of("describe", "mutate", "launch", "blocks")) {
                config.put("gateway.limits.accounts.\"" + ACCOUNT + "\"." + limit + ".bucket", "1e9");
                config.put("gateway.limits.accounts.\"" + ACCOUNT + "\"." + limit + ".per-second", "1e9");
            }
            config.put("benchmark.snapshot-url", url);
            config.put("benchmark.snapshot-pid", String.valueOf(service.pid()));
            config.put("benchmark.token", tokens.token(ACCOUNT, Duration.ofHours(2)));
            // The other benchmarks' test classes are beans of the same application, and Quarkus checks every
            // @ConfigProperty they inject when it starts: their entries must exist (unused here).
            for (String unused : List.of("access-key-id", "secret-access-key", "registry-url", "registry-pid", "kafka",
                    "postgres-pid-file", "victim-token", "victim.access-key-id", "victim.secret-access-key",
                    "flooder.access-key-id", "flooder.secret-access-key", "free-flooder.access-key-id",
                    "free-flooder.secret-access-key")) {
                config.putIfAbsent("benchmark." + unused, unused.endsWith("pid") ? "0" : "-");
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
        PackagedService.stop(service);
    }


}
