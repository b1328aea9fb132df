package dev.imageregistry.stack;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.imageregistry.infra.KafkaBroker;
import dev.imageregistry.infra.PostgresServer;
import dev.imageregistry.infra.S3Server;

/** The infrastructure of one Region: its own Kafka broker, PostgreSQL server (a database per service) and S3 server. */
record RegionStack(String name, KafkaBroker kafka, PostgresServer postgres, S3Server s3) {

    static final List<String> TOPICS = List.of("image-events", "snapshot-events", "instance-events", "copy-events");
    static final String S3_ACCESS_KEY = "local-access-key";
    static final String S3_SECRET_KEY = "local-secret-key-change-me";

    static RegionStack start(String name, Path directory) {
        KafkaBroker kafka = KafkaBroker.start(directory.resolve("kafka"));
        kafka.createTopics(TOPICS, 3);
        PostgresServer postgres = PostgresServer.start(directory.resolve("postgres"));
        S3Server s3 = S3Server.start(directory.resolve("s3"), S3_ACCESS_KEY, S3_SECRET_KEY);
        return new RegionStack(name, kafka, postgres, s3);
    }

    /**
     * The Region's servers as the supervisor restarts them, each on its port over its directory: the S3 server (a
     * child process) and PostgreSQL (whose pools in the services reconnect where they were).
     */
    List<Supervisor.Supervised> supervisedServers() {
        return List.of(server("s3-server", () -> s3.onExit().thenApply(exited -> "exited with " + exited.exitValue()),
                s3::restart), server("postgresql", () -> postgres.onExit().thenApply(exited -> "exited"),
                        postgres::restart));
    }

    private Supervisor.Supervised server(String what, Supplier<CompletableFuture<String>> exit, Runnable restart) {
        return new Supervisor.Supervised() {
            @Override
            public String name() {
                return RegionStack.this.name + "/" + what;
            }

            @Override
            public CompletableFuture<String> onExit() {
                return exit.get();
            }

            @Override
            public boolean restartUnlessStopping() {
                restart.run();
                return true; // the supervisor stops before the servers do
            }
        };
    }

    void stop() {
        s3.close();
        kafka.close();
        postgres.close();
    }
}
