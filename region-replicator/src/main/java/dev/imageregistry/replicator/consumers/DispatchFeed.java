package dev.imageregistry.replicator.consumers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.EventMetrics;
import dev.imageregistry.platform.ServiceIdentity;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.replicator.commands.CopyAssignments;
import dev.imageregistry.replicator.regions.PeerKafka;
import dev.imageregistry.replicator.regions.SourceRegion;
import dev.imageregistry.replicator.regions.SourceRegions;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Follows copy-events of every configured Region and of this one, each on that Region's own Kafka, and
 * hands each ImageCopyDispatched addressed to this Region to {@link CopyAssignments}. A plain consumer per Region,
 * like the source feed, because the set of Regions is configuration; offsets are committed after the database
 * commit, and a redelivered batch is harmless (assignments are deduplicated). A Region that refuses this replicator
 * (TLS, credentials, ACLs) or cannot be reached is retried without end, as the source feed does.
 */
@ApplicationScoped
public class DispatchFeed {
    private static final Logger LOG = Logger.getLogger(DispatchFeed.class);
    static final String TOPIC = "copy-events";

    private final SourceRegions regions;
    private final PeerKafka peerKafka;
    private final CopyAssignments assignments;
    private final EventMetrics metrics;
    private final String ownRegion;
    private final List<KafkaConsumer<String, String>> consumers = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);

    private final String ownBootstrapServers;

    public DispatchFeed(SourceRegions regions, PeerKafka peerKafka, CopyAssignments assignments, EventMetrics metrics,
            ServiceIdentity identity, @ConfigProperty(name = "kafka.bootstrap.servers") String ownBootstrapServers) {
        this.regions = regions;
        this.peerKafka = peerKafka;
        this.assignments = assignments;
        this.metrics = metrics;
        this.ownRegion = identity.region();
        this.ownBootstrapServers = ownBootstrapServers;
    }

    /** Every configured Region, and this one (a request here may name it) even when the list leaves it out. */
    List<SourceRegion> followed() {
        List<SourceRegion> followed = new ArrayList<>();
        regions.all().forEach(followed::add);
        if (regions.find(ownRegion).isEmpty()) {
            followed.add(new SourceRegion(ownRegion, ownBootstrapServers, ""));
        }
        return followed;
    }

    void start(@Observes StartupEvent started) {
        for (SourceRegion region : followed()) {
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(peerKafka.consumer(region,
                    "region-replicator." + ownRegion + ".dispatches",
                    "region-replicator." + ownRegion + ".dispatches.from." + region.name()));
            consumers.add(consumer);
            Thread thread = new Thread(() -> follow(region, consumer), "dispatch-feed-" + region.name());
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void follow(SourceRegion region, KafkaConsumer<String, String> consumer) {
        boolean refused = false;
        try {
            consumer.subscribe(List.of(TOPIC));
            while (running.get()) {
                try {
                    readOnce(region, consumer);
                    refused = false;
                } catch (WakeupException stopping) {
                    throw stopping;
                } catch (KafkaException e) {
                    // Refused (authentication, TLS, authorization) or unreachable: dispatches wait on the topic.
                    if (!refused) {
                        LOG.errorf("dispatch feed cannot read %s's copy-events, retrying: %s", region.name(), e.toString());
                    }
                    refused = true;
                    pause();
                }
            }
        } catch (WakeupException stopping) {
            // shutting down
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void readOnce(SourceRegion region, KafkaConsumer<String, String> consumer) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        if (records.isEmpty()) {
            return;
        }
        List<EventEnvelope> forThisRegion = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            addressedHere(region, record, forThisRegion);
        }
        try {
            if (!forThisRegion.isEmpty()) {
                QuarkusTransaction.requiringNew().run(
                        () -> forThisRegion.forEach(event -> assignments.apply(region.name(), event)));
            }
            consumer.commitSync();
        } catch (KafkaException e) {
            throw e;
        } catch (RuntimeException e) {
            // The database refused the batch (or a concurrent replica assigned first): read it again.
            LOG.warnf("dispatch feed of %s will retry a batch: %s", region.name(), e.toString());
            consumer.committed(consumer.assignment()).forEach((partition, offset) -> consumer.seek(partition,
                    offset == null ? 0 : offset.offset()));
            pause();
        }
    }

    /** Only dispatches to this Region matter; everything else on copy-events (progress, other Regions) is skipped. */
    private void addressedHere(SourceRegion region, ConsumerRecord<String, String> record, List<EventEnvelope> into) {
        if (record.value() == null || !record.value().contains("ImageCopyDispatched")) {
            return; // cheap pre-filter: most of copy-events is progress
        }
        try {
            EventEnvelope event = EventJson.read(record.value());
            event.eventId(); // the intake keys on it: a record without a UUID would stop the feed on every retry
            if ("ImageCopyDispatched".equals(event.type())
                    && ownRegion.equals(event.data().path("destinationRegion").asText(null))) {
                into.add(event);
            }
        } catch (EventJson.MalformedEvent | IllegalArgumentException e) {
            LOG.errorf("dispatch feed of %s skipped an unreadable record at %s-%d@%d", region.name(), record.topic(),
                    record.partition(), record.offset());
            metrics.rejected(CopyAssignments.readModel(region.name()), "malformed");
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
