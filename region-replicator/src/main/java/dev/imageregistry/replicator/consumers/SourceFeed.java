package dev.imageregistry.replicator.consumers;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.EventMetrics;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.replicator.regions.PeerKafka;
import dev.imageregistry.replicator.regions.SourceRegion;
import dev.imageregistry.replicator.regions.SourceRegions;
import dev.imageregistry.replicator.regions.SourceStreams;
import dev.imageregistry.replicator.persistence.SourceCatalogue;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Follows the event stream of every source Region (image-events and snapshot-events on that Region's own Kafka)
 * and projects it into {@link SourceCatalogue}. A plain Kafka consumer per Region, not a messaging channel,
 * because the set of Regions is configuration. Offsets are committed after the database commit; the intake's
 * deduplication makes a redelivery harmless. While a source Region is unreachable, or refuses this replicator
 * (TLS, SCRAM credentials, ACLs), the consumer keeps retrying: a copy then waits for the source instead of failing.
 * <p>
 * It notes in {@link SourceStreams} when the stream was last read to its end and why it cannot be read, for the
 * copies to consult.
 */
@ApplicationScoped
public class SourceFeed {
    private static final Logger LOG = Logger.getLogger(SourceFeed.class);
    static final List<String> TOPICS = List.of("image-events", "snapshot-events");
    /** How often a feed asks its brokers for the end of its partitions (one ListOffsets request). */
    static final Duration END_CHECK_INTERVAL = Duration.ofSeconds(2);

    private final SourceRegions regions;
    private final PeerKafka peerKafka;
    private final SourceCatalogue catalogue;
    private final EventIntake intake;
    private final EventMetrics metrics;
    private final String ownRegion;
    private final List<KafkaConsumer<String, String>> consumers = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final SourceStreams streams;

    public SourceFeed(SourceRegions regions, PeerKafka peerKafka, SourceCatalogue catalogue, EventIntake intake,
            EventMetrics metrics, SourceStreams streams,
            @ConfigProperty(name = "imageregistry.region") String ownRegion) {
        this.streams = streams;
        this.regions = regions;
        this.peerKafka = peerKafka;
        this.catalogue = catalogue;
        this.intake = intake;
        this.metrics = metrics;
        this.ownRegion = ownRegion;
    }

    public static String readModel(String region) {
        return "source-" + region;
    }

    void start(@Observes StartupEvent started) {
        for (SourceRegion region : regions.all()) {
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(peerKafka.consumer(region,
                    "region-replicator." + ownRegion, "region-replicator." + ownRegion + ".from." + region.name()));
            consumers.add(consumer);
            Thread thread = new Thread(() -> follow(region, consumer), "source-feed-" + region.name());
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void follow(SourceRegion region, KafkaConsumer<String, String> consumer) {
        String readModel = readModel(region.name());
        long nextEndCheck = System.nanoTime();
        try {
            consumer.subscribe(TOPICS);
            while (running.get()) {
                try {
                    readOnce(region, readModel, consumer);
                    if (System.nanoTime() - nextEndCheck >= 0) {
                        nextEndCheck = System.nanoTime() + END_CHECK_INTERVAL.toNanos();
                        noteIfReadToEnd(region, consumer);
                    }
                    streams.readable(region.name());
                } catch (WakeupException stopping) {
                    throw stopping;
                } catch (KafkaException e) {
                    // Refused (authentication, TLS, authorization) or unreachable: the same for a copy, it waits.
                    // The client reconnects on the next poll; a fixed ACL or a returning broker needs no restart.
                    if (streams.troubled(region.name(), e.toString())) {
                        LOG.errorf("source feed of %s cannot read %s's stream, retrying: %s", ownRegion, region.name(),
                                e.toString());
                    }
                    pause();
                }
            }
        } catch (WakeupException stopping) {
            // shutting down
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void readOnce(SourceRegion region, String readModel, KafkaConsumer<String, String> consumer) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        if (records.isEmpty()) {
            return;
        }
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                for (ConsumerRecord<String, String> record : records) {
                    applyOne(region, readModel, record);
                }
            });
            consumer.commitSync();
        } catch (KafkaException e) {
            throw e;
        } catch (RuntimeException e) {
            // The database refused the batch: read it again from the last committed offsets.
            LOG.warnf("source feed of %s will retry a batch: %s", region.name(), e.toString());
            consumer.committed(consumer.assignment()).forEach((partition, offset) -> consumer.seek(partition,
                    offset == null ? 0 : offset.offset()));
            pause();
        }
    }

    /**
     * Asks the brokers where the assigned partitions end; when every event before that end has been applied, the
     * stream was read to its end as of the moment the question was asked. Without an assignment (not yet joined,
     * or more replicas than partitions) this replica knows nothing about the stream and notes nothing.
     */
    private void noteIfReadToEnd(SourceRegion region, KafkaConsumer<String, String> consumer) {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return;
        }
        Instant asked = Instant.now();
        Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, Duration.ofSeconds(5));
        for (TopicPartition partition : assigned) {
            Long end = ends.get(partition);
            if (end == null || consumer.position(partition, Duration.ofSeconds(5)) < end) {
                return;
            }
        }
        streams.readToEnd(region.name(), asked);
    }

    private void applyOne(SourceRegion region, String readModel, ConsumerRecord<String, String> record) {
        try {
            var event = EventJson.read(record.value());
            if (intake.replay(readModel, event, applied -> catalogue.apply(region.name(), applied))) {
                metrics.consumed(readModel, event.type());
            }
        } catch (EventJson.MalformedEvent e) {
            LOG.errorf("source feed of %s skipped an unreadable record at %s-%d@%d", region.name(), record.topic(),
                    record.partition(), record.offset());
            metrics.rejected(readModel, "malformed");
        }
    }

    private static void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void stop(@Observes ShutdownEvent stopping) {
        running.set(false);
        consumers.forEach(KafkaConsumer::wakeup);
    }
}
