package dev.imageregistry.infra;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * A real Apache Kafka broker in KRaft combined mode (broker and controller in one node), running inside this
 * JVM. It keeps its log under a data directory, so a second start over the same directory resumes the topics
 * of the first.
 * <p>
 * {@link #startWithPeerListener} adds a second listener as another cluster would expose it to peer Regions:
 * SASL_SSL with SCRAM-SHA-512 and a self-signed certificate made at start ({@link #peerCertificate()}); users are
 * created with {@link #addScramUser}. The plaintext listener stays for the test itself and for this Region's
 * services.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KafkaBroker.class);

    /** The peer listener's name: its settings are {@code listener.name.peers.*}. */
    private static final String PEERS = "PEERS";

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final String peerBootstrapServers;
    private final SelfSignedCertificate peerCertificate;

    private KafkaBroker(KafkaRaftServer server, String bootstrapServers, String peerBootstrapServers,
            SelfSignedCertificate peerCertificate) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.peerBootstrapServers = peerBootstrapServers;
        this.peerCertificate = peerCertificate;
    }

    public static KafkaBroker start(Path dataDirectory) {
        return start(dataDirectory, false);
    }

    /** A broker that also has the SASL_SSL (SCRAM-SHA-512) listener peers in other clusters would use. */
    public static KafkaBroker startWithPeerListener(Path dataDirectory) {
        return start(dataDirectory, true);
    }

    private static KafkaBroker start(Path dataDirectory, boolean peerListener) {
        long started = System.nanoTime();
        int[] ports = FreePort.distinct(3);
        int brokerPort = ports[0];
        int controllerPort = ports[1];
        int peerPort = ports[2];
        Path logDirectory = dataDirectory.resolve("log");
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDirectory.toString());
        props.put("num.partitions", "3");
        // One node: every internal topic has one replica.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "5");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("min.insync.replicas", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // Events are the source of truth: the broker never deletes them by age.
        props.put("log.retention.ms", "-1");
        props.put("auto.create.topics.enable", "false");
        props.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        SelfSignedCertificate certificate = null;
        if (peerListener) {
            certificate = SelfSignedCertificate.in(dataDirectory.resolve("tls"));
            String prefix = "listener.name." + PEERS.toLowerCase() + ".";
            props.put("listeners", props.get("listeners") + "," + PEERS + "://127.0.0.1:" + peerPort);
            props.put("advertised.listeners", props.get("advertised.listeners") + "," + PEERS + "://127.0.0.1:" + peerPort);
            props.put("listener.security.protocol.map", props.get("listener.security.protocol.map") + "," + PEERS + ":SASL_SSL");
            props.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
            props.put(prefix + "sasl.enabled.mechanisms", "SCRAM-SHA-512");
            // Credentials live in the cluster metadata (addScramUser), not in this configuration.
            props.put(prefix + "scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            props.put(prefix + "ssl.keystore.type", "PKCS12");
            props.put(prefix + "ssl.keystore.location", certificate.keyStore().toString());
            props.put(prefix + "ssl.keystore.password", certificate.keyStorePassword());
            props.put(prefix + "ssl.key.password", certificate.keyStorePassword());
        }
        try {
            Files.createDirectories(logDirectory);
            if (!Files.exists(logDirectory.resolve("meta.properties"))) {
                Path config = dataDirectory.resolve("server.properties");
                try (var out = Files.newBufferedWriter(config)) {
                    props.store(out, "written by KafkaBroker");
                }
                ByteArrayOutputStream output = new ByteArrayOutputStream();
                int exit = StorageTool.execute(new String[] { "format", "-t", Uuid.randomUuid().toString(), "-c",
                        config.toString(), "--ignore-formatted" }, new PrintStream(output, true, StandardCharsets.UTF_8));
                if (exit != 0) {
                    throw new IllegalStateException("formatting the Kafka log failed: " + output);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        server.startup();
        KafkaBroker broker = new KafkaBroker(server, "127.0.0.1:" + brokerPort,
                peerListener ? "127.0.0.1:" + peerPort : null, certificate);
        broker.awaitReady();
        LOG.infof("Kafka broker ready at %s%s in %d ms", broker.bootstrapServers,
                peerListener ? " (SASL_SSL for peers at " + broker.peerBootstrapServers + ")" : "",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return broker;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The SASL_SSL (SCRAM-SHA-512) listener's address; only for {@link #startWithPeerListener}. */
    public String peerBootstrapServers() {
        if (peerBootstrapServers == null) {
            throw new IllegalStateException("this broker was started without the peer listener");
        }
        return peerBootstrapServers;
    }

    /** The PEM certificate the peer listener presents: the trust store of a client of that listener. */
    public Path peerCertificate() {
        peerBootstrapServers();
        return peerCertificate.certificatePem();
    }

    /**
     * Creates (or replaces) a SCRAM-SHA-512 user through the Admin API, and waits until the peer listener accepts
     * it: credentials reach the broker through the cluster metadata, a moment after the call returns.
     */
    public void addScramUser(String user, String password) {
        peerBootstrapServers();
        try (Admin admin = admin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not create the SCRAM user " + user, e);
        }
        Map<String, Object> client = new java.util.HashMap<>(peerClientSettings(user, password));
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, peerBootstrapServers);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Admin peer = Admin.create(client)) {
                peer.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the peer listener does not accept " + user, e);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(interrupted);
                }
            }
        }
    }

    /** The client settings that reach the peer listener as {@code user} (everything but the bootstrap servers). */
    public Map<String, String> peerClientSettings(String user, String password) {
        return Map.of("security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";",
                "ssl.truststore.type", "PEM",
                "ssl.truststore.location", peerCertificate().toString());
    }

    /** Creates the topics that do not exist yet, with time-based deletion off (events are kept forever). */
    public void createTopics(Collection<String> names, int partitions) {
        try (Admin admin = admin()) {
            List<NewTopic> topics = names.stream()
                    .map(name -> new NewTopic(name, partitions, (short) 1).configs(Map.of("retention.ms", "-1")))
                    .toList();
            for (var result : admin.createTopics(topics).values().values()) {
                try {
                    result.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic", e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka did not create the topics in time", e);
        }
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Admin admin = admin()) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Kafka broker did not become ready", e);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
