package dev.imageregistry.stack;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.imageregistry.infra.AccountTokens;
import dev.imageregistry.infra.AwsAccessKeys;

/**
 * Runs the whole product on one machine for two (or more) Regions: per Region a Kafka broker, a PostgreSQL
 * server and an S3 server, then the four services as separate JVMs. Prints endpoints and demo tokens once
 * every service is ready; a service, S3 server or PostgreSQL server that dies is restarted ({@link Supervisor});
 * Ctrl-C or SIGTERM stops everything it started. State lives under one data directory, so the
 * next start resumes where this one stopped.
 *
 * <p>Usage: {@code LocalStack [--data-dir DIR] [--regions us-east-1,eu-west-1] [--port-base 8080]}. Region i's
 * AWS endpoint (the aws-gateway) listens on port-base + 100*i, its services on port-base + 100*i + 1..4 (registry,
 * snapshot, launch, replicator).
 */
public final class LocalStack {
    static final List<String> SERVICES = List.of("registry-service", "snapshot-service", "launch-service",
            "region-replicator");
    /** The Region's AWS endpoint, at port-base + 100*i: it calls the four services above. */
    static final String GATEWAY = "aws-gateway";
    static final Map<String, String> HEAPS = Map.of("registry-service", "192m", "snapshot-service", "256m",
            "launch-service", "160m", "region-replicator", "192m", GATEWAY, "128m");
    static final Map<String, String> DATABASES = Map.of("registry-service", "registry", "snapshot-service",
            "snapshot", "launch-service", "launch", "region-replicator", "replicator");
    static final Map<String, String> DEMO_ACCOUNTS = new LinkedHashMap<>(Map.of(
            "A", "111111111111", "B", "222222222222", "C", "333333333333"));
    /**
     * Account A stands in for a publisher that scripts name by alias ({@code --owners amazon}, Terraform's
     * {@code owners = ["amazon"]}), so such scripts find A's images here.
     */
    static final String ACCOUNT_ALIASES = "amazon=111111111111";

    private final List<RegionStack> regions = new ArrayList<>();
    private final List<ServiceProcess> services = new ArrayList<>();
    /** Restarts the services, S3 servers and PostgreSQL servers that die. */
    private final Supervisor supervisor = new Supervisor();
    private AccountTokens tokens;
    private AwsAccessKeys accessKeys;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path dataDir = Path.of(options.getOrDefault("data-dir", ".local-stack")).toAbsolutePath();
        List<String> regionNames = List.of(options.getOrDefault("regions", "us-east-1,eu-west-1").split(","));
        int portBase = Integer.parseInt(options.getOrDefault("port-base", "8080"));
        Path projectRoot = Path.of(options.getOrDefault("project-root", ".")).toAbsolutePath().normalize();

        LocalStack stack = new LocalStack();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.stop();
            stopped.countDown();
        }, "local-stack-stop"));
        long started = System.nanoTime();
        try {
            stack.start(projectRoot, dataDir, regionNames, portBase);
            long readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            stack.printSummary(dataDir, readyMillis, portBase);
        } catch (RuntimeException | IOException e) {
            log("failed to start: " + e);
            // The brokers' threads would keep the JVM alive; exiting runs the shutdown hook, which stops all.
            System.exit(1);
        }
        stopped.await();
    }

    void start(Path projectRoot, Path dataDir, List<String> regionNames, int portBase) throws IOException {
        Path logs = Files.createDirectories(dataDir.resolve("logs"));
        AccountTokens tokens = AccountTokens.loadOrCreate(dataDir.resolve("identity"));
        Path publicKey = dataDir.resolve("identity/token-verify.pub");
        Map<String, String> profiles = new LinkedHashMap<>();
        DEMO_ACCOUNTS.forEach((label, account) -> profiles.put(label.toLowerCase(), account));
        AwsAccessKeys keys = AwsAccessKeys.loadOrCreate(dataDir.resolve("aws"), profiles);
        keys.writeConfig(gatewayEndpoint(portBase, 0), regionNames.get(0));
        for (String name : regionNames) {
            log("starting Kafka, PostgreSQL and S3 of " + name);
            regions.add(RegionStack.start(name, dataDir.resolve("regions").resolve(name)));
        }
        Map<String, String> endpointsByRegion = new LinkedHashMap<>();
        for (int i = 0; i < regions.size(); i++) {
            RegionStack region = regions.get(i);
            endpointsByRegion.put(region.name(), region.s3().endpoint());
        }
        for (int i = 0; i < regions.size(); i++) {
            RegionStack region = regions.get(i);
            for (int s = 0; s < SERVICES.size(); s++) {
                String service = SERVICES.get(s);
                Map<String, String> env = new HashMap<>();
                env.put("KAFKA_BOOTSTRAP_SERVERS", region.kafka().bootstrapServers());
                env.put("DB_URL", region.postgres().database(DATABASES.get(service)));
                env.put("DB_USER", "postgres");
                env.put("DB_PASSWORD", "");
                env.put("S3_ENDPOINT", region.s3().endpoint());
                env.put("S3_ACCESS_KEY", region.s3().accessKey());
                env.put("S3_SECRET_KEY", region.s3().secretKey());
                env.put("S3_BUCKET", "blocks");
                env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", publicKey.toString());
                // The replicator of a Region reaches the other Regions (as it would across clusters).
                env.put("REPLICATOR_REGIONS", regions.stream().map(other -> other.name() + "="
                        + other.kafka().bootstrapServers() + "|" + other.s3().endpoint() + "|http://127.0.0.1:"
                        + (portBase + 100 * regions.indexOf(other) + 1)).collect(Collectors.joining(",")));
                services.add(ServiceProcess.start(projectRoot, region.name(), service, portBase + 100 * i + s + 1,
                        HEAPS.get(service), env, logs));
            }
            Map<String, String> gateway = new HashMap<>();
            gateway.put("REGISTRY_URL", "http://127.0.0.1:" + (portBase + 100 * i + 1));
            gateway.put("SNAPSHOT_URL", "http://127.0.0.1:" + (portBase + 100 * i + 2));
            gateway.put("LAUNCH_URL", "http://127.0.0.1:" + (portBase + 100 * i + 3));
            gateway.put("REPLICATOR_URL", "http://127.0.0.1:" + (portBase + 100 * i + 4));
            gateway.put("GATEWAY_REGIONS", regions.stream().map(other -> other.name() + "="
                    + gatewayEndpoint(portBase, regions.indexOf(other))).collect(Collectors.joining(",")));
            gateway.put("GATEWAY_ACCESS_KEYS_FILE", keys.store().toString());
            gateway.put("GATEWAY_ACCOUNT_ALIASES", ACCOUNT_ALIASES);
            gateway.put("TOKEN_SIGNING_KEY_LOCATION", dataDir.resolve("identity/token-signing.key").toString());
            services.add(ServiceProcess.start(projectRoot, region.name(), GATEWAY, portBase + 100 * i, HEAPS.get(GATEWAY),
                    gateway, logs));
        }
        log("waiting for " + services.size() + " services to report ready (logs in " + logs + ")");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        List<ServiceProcess> waiting = new ArrayList<>(services);
        while (!waiting.isEmpty()) {
            waiting.removeIf(service -> service.isReady(http));
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not ready after 300 s: " + waiting.stream()
                        .map(s -> s.region() + "/" + s.service()).toList());
            }
            if (!waiting.isEmpty()) {
                pause(250);
            }
        }
        this.tokens = tokens;
        this.accessKeys = keys;
        services.forEach(supervisor::watch);
        regions.forEach(region -> region.supervisedServers().forEach(supervisor::watch));
    }

    static String gatewayEndpoint(int portBase, int regionIndex) {
        return "http://127.0.0.1:" + (portBase + 100 * regionIndex);
    }

    void printSummary(Path dataDir, long readyMillis, int portBase) {
        StringBuilder out = new StringBuilder("\n=== image registry: all ").append(services.size())
                .append(" services ready in ").append(readyMillis / 1000.0).append(" s ===\n");
        for (RegionStack region : regions) {
            out.append("\nRegion ").append(region.name()).append('\n');
            services.stream().filter(s -> s.region().equals(region.name())).forEach(s -> out
                    .append(String.format("  %-18s %s   (OpenAPI: %s/q/swagger-ui)%n", s.service(), s.endpoint(),
                            s.endpoint())));
            out.append(String.format("  %-18s %s%n", "kafka", region.kafka().bootstrapServers()));
            out.append(String.format("  %-18s %s%n", "postgresql", region.postgres().jdbcUrl("<service>")));
            out.append(String.format("  %-18s %s (key %s)%n", "s3", region.s3().endpoint(), region.s3().accessKey()));
        }
        out.append("\nDemo accounts (bearer tokens valid 12 h; also written to ").append(dataDir.resolve("tokens.env"))
                .append("):\n");
        StringBuilder env = new StringBuilder();
        DEMO_ACCOUNTS.forEach((label, account) -> {
            String token = tokens.token(account);
            out.append("  account ").append(label).append(" (").append(account).append("): TOKEN_").append(label)
                    .append('=').append(token).append('\n');
            env.append("TOKEN_").append(label).append('=').append(token).append('\n');
        });
        // The operator is no account: only its token may make the /admin calls (rebuilds, garbage collection).
        String operator = tokens.operatorToken();
        out.append("Operator (the /admin calls only; names no account): TOKEN_OPERATOR=").append(operator).append('\n');
        env.append("TOKEN_OPERATOR=").append(operator).append('\n');
        try {
            Files.writeString(dataDir.resolve("tokens.env"), env.toString());
        } catch (IOException e) {
            log("could not write tokens.env: " + e);
        }
        out.append("\nAWS endpoint for every Region (the aws CLI, boto3, the SDKs, Terraform): ")
                .append(gatewayEndpoint(portBase, 0)).append("\nProfiles a, b, c (accounts A, B, C):\n")
                .append("  export AWS_CONFIG_FILE=").append(accessKeys.configFile())
                .append(" AWS_SHARED_CREDENTIALS_FILE=").append(accessKeys.credentialsFile()).append('\n')
                .append("  aws --profile a ec2 describe-images --owners self\n")
                .append("  aws --profile b --region eu-west-1 ec2 describe-images --executable-users self\n")
                .append("  (older tools without endpoint_url in profiles: add --endpoint-url ")
                .append(gatewayEndpoint(portBase, 0)).append(")\n");
        try {
            Files.writeString(dataDir.resolve("aws.env"), "export AWS_CONFIG_FILE=" + accessKeys.configFile()
                    + "\nexport AWS_SHARED_CREDENTIALS_FILE=" + accessKeys.credentialsFile() + "\nexport AWS_ENDPOINT_URL="
                    + gatewayEndpoint(portBase, 0) + "\n");
        } catch (IOException e) {
            log("could not write aws.env: " + e);
        }
        out.append(String.format("%nMemory (RSS) of the whole stack: %d MiB across %d processes%n",
                StackMemory.residentMiB(), StackMemory.processCount()));
        out.append("Press Ctrl-C to stop everything.\n");
        System.out.println(out);
        System.out.println("LOCAL STACK READY");
        System.out.flush();
    }

    void stop() {
        log("stopping services");
        supervisor.close();
        services.forEach(ServiceProcess::stop);
        services.forEach(ServiceProcess::awaitStopped);
        log("stopping infrastructure");
        for (RegionStack region : regions) {
            try {
                region.stop();
            } catch (RuntimeException e) {
                log("while stopping " + region.name() + ": " + e);
            }
        }
        // Whatever is left (a child of a child) must not outlive the stack.
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        log("stopped");
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: LocalStack [--data-dir DIR] [--regions a,b] [--port-base N]");
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }

    static void log(String message) {
        System.out.println("[local-stack] " + message);
        System.out.flush();
    }

    private static void pause(long millis) {
        try {
            // Polling health endpoints of processes that are starting: there is no event to wait on.
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
