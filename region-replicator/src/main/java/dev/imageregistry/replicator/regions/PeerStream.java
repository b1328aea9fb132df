package dev.imageregistry.replicator.regions;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Topics of one Region read by a plain Kafka consumer on its own thread: not a messaging channel, because the set
 * of Regions is configuration. Each batch is applied in a new transaction and the offsets are committed after the
 * database commit; a batch the database refused is read again from the committed offsets (what it applied is
 * deduplicated by the intake, so a redelivery is harmless). A Region that refuses this replicator (TLS, SCRAM
 * credentials, ACLs) or cannot be reached is retried without end: the client reconnects on the next poll, so a
 * fixed ACL or a returning broker needs no restart.
 */
public final class PeerStream {
    private static final Logger LOG = Logger.getLogger(PeerStream.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration PAUSE = Duration.ofSeconds(1);

    /** What a feed does with the stream. */
    public interface Reader {
        /** Applies one batch, inside the transaction that commits before its offsets do. */
        void apply(ConsumerRecords<String, String> records);

        /** After every poll that succeeded, outside any transaction (to ask the brokers where partitions end). */
        default void polled(KafkaConsumer<String, String> consumer) {
        }

        /** The stream can be read (again). */
        default void readable() {
        }

        /** The stream cannot be read: refused or unreachable. Called on every failed poll while that lasts. */
        void troubled(KafkaException why);
    }

    private final String name;
    private final KafkaConsumer<String, String> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);

    private PeerStream(String name, KafkaConsumer<String, String> consumer) {
        this.name = name;
        this.consumer = consumer;
    }

    /** Starts reading {@code topics} on a daemon thread named {@code name}. */
    public static PeerStream follow(String name, KafkaConsumer<String, String> consumer, List<String> topics,
            Reader reader) {
        PeerStream stream = new PeerStream(name, consumer);
        Thread thread = new Thread(() -> stream.run(topics, reader), name);
        thread.setDaemon(true);
        thread.start();
        return stream;
    }

    public void stop() {
        running.set(false);
        consumer.wakeup();
    }

    private void run(List<String> topics, Reader reader) {
        try {
            consumer.subscribe(topics);
            while (running.get()) {
                try {
                    readOnce(reader);
                    reader.polled(consumer);
                    reader.readable();
                } catch (WakeupException stopping) {
                    throw stopping;
                } catch (KafkaException e) {
                    reader.troubled(e);
                    pause();
                }
            }
        } catch (WakeupException stopping) {
            // shutting down
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void readOnce(Reader reader) {
        ConsumerRecords<String, String> records = consumer.poll(POLL);
        if (records.isEmpty()) {
            return;
        }
        try {
            QuarkusTransaction.requiringNew().run(() -> reader.apply(records));
            consumer.commitSync();
        } catch (KafkaException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warnf("%s will read a batch again: %s", name, e.toString());
            consumer.committed(consumer.assignment()).forEach((partition, offset) -> consumer.seek(partition,
                    offset == null ? 0 : offset.offset()));
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
