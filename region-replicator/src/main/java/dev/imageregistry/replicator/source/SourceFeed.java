package dev.imageregistry.replicator.source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.EventMetrics;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.replicator.regions.SourceRegion;
import dev.imageregistry.replicator.regions.SourceRegions;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Follows the event stream of every source Region (image-events and snapshot-events on that Region's own Kafka)
 * and projects it into {@link SourceCatalogue}. A plain Kafka consumer per Region, not a messaging channel,
 * because the set of Regions is configuration. Offsets are committed after the database commit; the intake's
 * deduplication makes a redelivery harmless. While a source Region is unreachable the consumer keeps retrying.
 */
@ApplicationScoped
public class SourceFeed {
    private static final Logger LOG = Logger.getLogger(SourceFeed.class);
    static final List<String> TOPICS = List.of("image-events", "snapshot-events");

    private final SourceRegions regions;
    private final SourceCatalogue catalogue;
    private final EventIntake intake;
    private final EventMetrics metrics;
    private final String ownRegion;
    private final List<KafkaConsumer<String, String>> consumers = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);

    public SourceFeed(SourceRegions regions, SourceCatalogue catalogue, EventIntake intake, EventMetrics metrics,
            @ConfigProperty(name = "imageregistry.region") String ownRegion) {
        this.regions = regions;
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
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, region.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "region-replicator." + ownRegion,
                    ConsumerConfig.CLIENT_ID_CONFIG, "region-replicator." + ownRegion + ".from." + region.name(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500",
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
            consumers.add(consumer);
            Thread thread = new Thread(() -> follow(region, consumer), "source-feed-" + region.name());
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void follow(SourceRegion region, KafkaConsumer<String, String> consumer) {
        String readModel = readModel(region.name());
        try {
            consumer.subscribe(TOPICS);
            while (running.get()) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    QuarkusTransaction.requiringNew().run(() -> {
                        for (ConsumerRecord<String, String> record : records) {
                            applyOne(region, readModel, record);
                        }
                    });
                    consumer.commitSync();
                } catch (RuntimeException e) {
                    // The database refused the batch: read it again from the last committed offsets.
                    LOG.warnf("source feed of %s will retry a batch: %s", region.name(), e.toString());
                    consumer.committed(consumer.assignment()).forEach((partition, offset) -> consumer.seek(partition,
                            offset == null ? 0 : offset.offset()));
                    pause();
                }
            }
        } catch (WakeupException stopping) {
            // shutting down
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
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
