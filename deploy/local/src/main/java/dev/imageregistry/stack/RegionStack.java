package dev.imageregistry.stack;

import java.nio.file.Path;
import java.util.List;

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

    /** The Region's S3 server as the supervisor restarts it: a child process, over the same directory and port. */
    Supervisor.Supervised supervisedS3() {
        return new Supervisor.Supervised() {
            @Override
            public String name() {
                return RegionStack.this.name + "/s3-server";
            }

            @Override
            public java.util.concurrent.CompletableFuture<String> onExit() {
                return s3.onExit().thenApply(exited -> "exited with " + exited.exitValue());
            }

            @Override
            public boolean restartUnlessStopping() {
                s3.restart();
                return true; // the supervisor stops before the S3 servers do
            }
        };
    }

    /**
     * The Region's PostgreSQL server as the supervisor restarts it: same port and data directory, so the services'
     * pools reconnect where they were.
     */
    Supervisor.Supervised supervisedPostgres() {
        return new Supervisor.Supervised() {
            @Override
            public String name() {
                return RegionStack.this.name + "/postgresql";
            }

            @Override
            public java.util.concurrent.CompletableFuture<String> onExit() {
                return postgres.onExit().thenApply(exited -> "exited");
            }

            @Override
            public boolean restartUnlessStopping() {
                postgres.restart();
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
