package dev.imageregistry.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts one Region's real infrastructure (Kafka broker, PostgreSQL, S3 server) once per test JVM on free
 * ports, and points the service under test at it. Attach with
 * {@code @WithTestResource(value = RegionTestResource.class, initArgs = {...})}:
 * <ul>
 * <li>{@code database}: the service's own database name (required)</li>
 * <li>{@code topics}: comma-separated topics to create up front</li>
 * <li>{@code bucket}: when set, the service also gets the S3 server and this bucket name</li>
 * </ul>
 */
public class RegionTestResource implements QuarkusTestResourceLifecycleManager {
    private static Region region;

    private String database;
    private List<String> topics = List.of();
    private String bucket;

    /** The infrastructure shared by every test of this JVM, started on first use. */
    public static synchronized Region region() {
        if (region == null) {
            region = Region.start();
        }
        return region;
    }

    /** Mints tokens the service under test accepts. */
    public static AccountTokens tokens() {
        return region().tokens();
    }

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.get("database");
        if (database == null) {
            throw new IllegalArgumentException("RegionTestResource needs a database init argument");
        }
        String topicList = initArgs.getOrDefault("topics", "");
        topics = topicList.isBlank() ? List.of() : Arrays.stream(topicList.split(",")).map(String::trim).toList();
        bucket = initArgs.get("bucket");
    }

    @Override
    public Map<String, String> start() {
        Region shared = region();
        shared.kafka().createTopics(topics, 3);
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", shared.kafka().bootstrapServers());
        config.put("quarkus.datasource.jdbc.url", shared.postgres().database(database));
        config.put("quarkus.datasource.username", PostgresServer.USER);
        config.put("quarkus.datasource.password", "");
        config.put("mp.jwt.verify.publickey", shared.tokens().publicKeyPem());
        config.put("mp.jwt.verify.issuer", AccountTokens.ISSUER);
        if (bucket != null) {
            S3Server s3 = shared.s3();
            config.put("quarkus.minio.host", s3.endpoint());
            config.put("quarkus.minio.access-key", s3.accessKey());
            config.put("quarkus.minio.secret-key", s3.secretKey());
            config.put("quarkus.minio.secure", "false");
            config.put("imageregistry.blocks.bucket", bucket);
        }
        return config;
    }

    @Override
    public void stop() {
        // The infrastructure outlives one Quarkus application: other test classes of this JVM reuse it. It is
        // stopped by the JVM's shutdown hook.
    }

    /** One Region's servers. The S3 server starts only when a test needs it. */
    public static final class Region {
        private final Path directory;
        private final KafkaBroker kafka;
        private final PostgresServer postgres;
        private final AccountTokens tokens = AccountTokens.generate();
        private S3Server s3;

        private Region(Path directory, KafkaBroker kafka, PostgresServer postgres) {
            this.directory = directory;
            this.kafka = kafka;
            this.postgres = postgres;
        }

        static Region start() {
            try {
                Path directory = Files.createTempDirectory("image-registry-test-");
                KafkaBroker kafka = KafkaBroker.start(directory.resolve("kafka"));
                PostgresServer postgres = PostgresServer.start(directory.resolve("postgres"));
                Region started = new Region(directory, kafka, postgres);
                Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "region-test-infrastructure-stop"));
                return started;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public KafkaBroker kafka() {
            return kafka;
        }

        public PostgresServer postgres() {
            return postgres;
        }

        public AccountTokens tokens() {
            return tokens;
        }

        public synchronized S3Server s3() {
            if (s3 == null) {
                s3 = S3Server.start(directory.resolve("s3"), "test-access-key", "test-secret-key-0123456789");
            }
            return s3;
        }

        public Path directory() {
            return directory;
        }

        private void stop() {
            if (s3 != null) {
                s3.close();
            }
            try {
                kafka.close();
            } catch (RuntimeException e) {
                // already stopping with the JVM
            }
            postgres.close();
            Dirs.delete(directory);
        }
    }
}
