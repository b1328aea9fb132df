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

/**
 * The Region of {@link BlockBenchmark}, as deployed: a real broker, PostgreSQL and S3 server (local-infra), and the
 * snapshot-service and the gateway each as its own process from its packaged jar ({@link PackagedService}),
 * configured as the local stack (deploy/local) configures them. The broker is the one piece left in the benchmark's
 * JVM (local-infra runs it in the JVM that starts it, as the local stack's own JVM does); PostgreSQL and the S3 server
 * are processes of their own.
 */
final class BlockBenchmarkRegion implements AutoCloseable {
    static final String ACCOUNT = "111111111111";
    static final String ACCESS_KEY_ID = "AKIABLOCKBENCHMARK01";
    static final String SECRET = "block/benchmark/secret/block/benchmark/0";
    private static final String SNAPSHOT_JVM = System.getProperty("benchmark.snapshot.jvm", "-Xmx512m");
    /** The local stack's JVM for the gateway (LocalStack.HEAPS and ServiceProcess's options). */
    private static final String GATEWAY_JVM = System.getProperty("benchmark.gateway.jvm",
            "-Xmx128m -Xss512k -XX:+UseSerialGC -XX:ReservedCodeCacheSize=48m -XX:MaxMetaspaceSize=160m");

    private Process snapshotService;
    private Process gateway;
    private String snapshotUrl;
    private String gatewayUrl;
    private String token;
    private Path postgresPidFile;

    private BlockBenchmarkRegion() {
    }

    static BlockBenchmarkRegion start() {
        BlockBenchmarkRegion started = new BlockBenchmarkRegion();
        try {
            started.startAll();
            return started;
        } catch (IOException e) {
            started.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
    }

    private void startAll() throws IOException {
        Path directory = Path.of("target", "block-benchmark").toAbsolutePath();
        Files.createDirectories(directory);
        RegionTestResource.Region region = RegionTestResource.region();
        region.kafka().createTopics(List.of("image-events", "snapshot-events", "copy-events", "instance-events"), 3);
        postgresPidFile = region.directory().resolve("postgres/postmaster.pid");
        AccountTokens tokens = AccountTokens.loadOrCreate(directory.resolve("identity"));
        token = tokens.token(ACCOUNT, Duration.ofHours(2));
        Path keys = directory.resolve("access-keys.json");
        Files.writeString(keys, "{\"AccessKeys\":[{\"AccessKeyId\":\"" + ACCESS_KEY_ID + "\",\"SecretAccessKey\":\""
                + SECRET + "\",\"Account\":\"" + ACCOUNT + "\",\"UserName\":\"bench\"}]}");

        int snapshotPort = FreePort.next();
        snapshotService = PackagedService.start("snapshot-service", SNAPSHOT_JVM, directory,
                Path.of("target", "block-benchmark-snapshot-service.log").toAbsolutePath(), snapshotPort, region,
                region.postgres().database("snapshot"), Map.of("S3_ENDPOINT", region.s3().endpoint(),
                        "S3_ACCESS_KEY", region.s3().accessKey(), "S3_SECRET_KEY", region.s3().secretKey(),
                        "S3_BUCKET", "blocks"));
        snapshotUrl = "http://127.0.0.1:" + snapshotPort;

        // The gateway's environment as LocalStack gives it: the Region's services (only the snapshot-service is
        // asked here), every Region's gateway (this one), the access keys, the aliases and the token-signing key.
        // Its request limits are its defaults (1,000 block calls a second per account), above what two cores reach.
        int gatewayPort = FreePort.next();
        gatewayUrl = "http://127.0.0.1:" + gatewayPort;
        Map<String, String> env = new HashMap<>();
        for (String service : List.of("REGISTRY_URL", "SNAPSHOT_URL", "LAUNCH_URL", "REPLICATOR_URL")) {
            env.put(service, snapshotUrl);
        }
        env.put("GATEWAY_REGIONS", "us-east-1=" + gatewayUrl);
        env.put("GATEWAY_ACCESS_KEYS_FILE", keys.toString());
        env.put("GATEWAY_ACCOUNT_ALIASES", "amazon=" + ACCOUNT);
        env.put("TOKEN_SIGNING_KEY_LOCATION", directory.resolve("identity/token-signing.key").toString());
        gateway = PackagedService.start("aws-gateway", GATEWAY_JVM, directory,
                Path.of("target", "block-benchmark-gateway.log").toAbsolutePath(), gatewayPort, env);
    }

    String snapshotUrl() {
        return snapshotUrl;
    }

    String gatewayUrl() {
        return gatewayUrl;
    }

    /** The account's bearer token for the direct path (and StartSnapshot). */
    String token() {
        return token;
    }

    long gatewayPid() {
        return gateway.pid();
    }

    long snapshotServicePid() {
        return snapshotService.pid();
    }

    Path postgresPidFile() {
        return postgresPidFile;
    }

    /** The two services; the broker, PostgreSQL and the S3 server are local-infra's, stopped with the JVM. */
    @Override
    public void close() {
        PackagedService.stop(gateway);
        PackagedService.stop(snapshotService);
    }
}
