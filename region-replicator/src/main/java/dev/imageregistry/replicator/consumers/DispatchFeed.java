package dev.imageregistry.replicator.consumers;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.EventMetrics;
import dev.imageregistry.platform.ServiceIdentity;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.replicator.commands.CopyAssignments;
import dev.imageregistry.replicator.regions.PeerKafka;
import dev.imageregistry.replicator.regions.PeerStream;
import dev.imageregistry.replicator.regions.SourceRegion;
import dev.imageregistry.replicator.regions.SourceRegions;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Follows copy-events of every configured Region and of this one, each on that Region's own Kafka
 * ({@link PeerStream}), and hands each ImageCopyDispatched addressed to this Region to {@link CopyAssignments}. A
 * redelivered batch is harmless (assignments are deduplicated); a Region that refuses this replicator or cannot be
 * reached is retried without end, as the source feed does.
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
    private final String ownBootstrapServers;
    private final List<PeerStream> followed = new ArrayList<>();

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
            this.followed.add(PeerStream.follow("dispatch-feed-" + region.name(), consumer, List.of(TOPIC),
                    new Dispatches(region)));
        }
    }

    void stop(@Observes ShutdownEvent stopping) {
        followed.forEach(PeerStream::stop);
    }

    /** One Region's copy-events, of which only the dispatches to this Region matter. */
    private final class Dispatches implements PeerStream.Reader {
        private final SourceRegion region;
        private boolean refused;

        Dispatches(SourceRegion region) {
            this.region = region;
        }

        @Override
        public void apply(ConsumerRecords<String, String> records) {
            for (ConsumerRecord<String, String> record : records) {
                EventEnvelope dispatched = addressedHere(record);
                if (dispatched != null) {
                    assignments.apply(region.name(), dispatched);
                }
            }
        }

        @Override
        public void readable() {
            refused = false;
        }

        @Override
        public void troubled(KafkaException why) {
            // Refused (authentication, TLS, authorization) or unreachable: dispatches wait on the topic.
            if (!refused) {
                LOG.errorf("dispatch feed cannot read %s's copy-events, retrying: %s", region.name(), why.toString());
            }
            refused = true;
        }

        /** The dispatch to this Region in {@code record}, or null: most of copy-events is progress. */
        private EventEnvelope addressedHere(ConsumerRecord<String, String> record) {
            if (record.value() == null || !record.value().contains("ImageCopyDispatched")) {
                return null; // cheap pre-filter, before parsing
            }
            try {
                EventEnvelope event = EventJson.read(record.value());
                event.eventId(); // the intake keys on it: a record without a UUID would stop the feed on every retry
                if ("ImageCopyDispatched".equals(event.type())
                        && ownRegion.equals(event.data().path("destinationRegion").asText(null))) {
                    return event;
                }
            } catch (EventJson.MalformedEvent | IllegalArgumentException e) {
                LOG.errorf("dispatch feed of %s skipped an unreadable record at %s-%d@%d", region.name(),
                        record.topic(), record.partition(), record.offset());
                metrics.rejected(CopyAssignments.readModel(region.name()), "malformed");
            }
            return null;
        }
    }
}
