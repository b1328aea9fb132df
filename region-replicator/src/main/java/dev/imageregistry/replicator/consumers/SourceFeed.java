package dev.imageregistry.replicator.consumers;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.EventMetrics;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.replicator.persistence.SourceCatalogue;
import dev.imageregistry.replicator.regions.PeerKafka;
import dev.imageregistry.replicator.regions.PeerStream;
import dev.imageregistry.replicator.regions.SourceRegion;
import dev.imageregistry.replicator.regions.SourceRegions;
import dev.imageregistry.replicator.regions.SourceStreams;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Follows the event stream of every source Region (image-events and snapshot-events on that Region's own Kafka)
 * and projects it into {@link SourceCatalogue}, one {@link PeerStream} per Region. While a source Region is
 * unreachable, or refuses this replicator, the stream keeps retrying: a copy then waits for the source instead of
 * failing.
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
    private final SourceStreams streams;
    private final String ownRegion;
    private final List<PeerStream> followed = new ArrayList<>();

    public SourceFeed(SourceRegions regions, PeerKafka peerKafka, SourceCatalogue catalogue, EventIntake intake,
            EventMetrics metrics, SourceStreams streams,
            @ConfigProperty(name = "imageregistry.region") String ownRegion) {
        this.regions = regions;
        this.peerKafka = peerKafka;
        this.catalogue = catalogue;
        this.intake = intake;
        this.metrics = metrics;
        this.streams = streams;
        this.ownRegion = ownRegion;
    }

    public static String readModel(String region) {
        return "source-" + region;
    }

    void start(@Observes StartupEvent started) {
        for (SourceRegion region : regions.all()) {
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(peerKafka.consumer(region,
                    "region-replicator." + ownRegion, "region-replicator." + ownRegion + ".from." + region.name()));
            followed.add(PeerStream.follow("source-feed-" + region.name(), consumer, TOPICS, new Source(region)));
        }
    }

    void stop(@Observes ShutdownEvent stopping) {
        followed.forEach(PeerStream::stop);
    }

    /** One source Region's stream. */
    private final class Source implements PeerStream.Reader {
        private final SourceRegion region;
        private final String readModel;
        private long nextEndCheck = System.nanoTime();

        Source(SourceRegion region) {
            this.region = region;
            this.readModel = readModel(region.name());
        }

        @Override
        public void apply(ConsumerRecords<String, String> records) {
            for (ConsumerRecord<String, String> record : records) {
                applyOne(record);
            }
        }

        @Override
        public void polled(KafkaConsumer<String, String> consumer) {
            if (System.nanoTime() - nextEndCheck >= 0) {
                nextEndCheck = System.nanoTime() + END_CHECK_INTERVAL.toNanos();
                noteIfReadToEnd(consumer);
            }
        }

        @Override
        public void readable() {
            streams.readable(region.name());
        }

        @Override
        public void troubled(KafkaException why) {
            // Refused (authentication, TLS, authorization) or unreachable: the same for a copy, it waits.
            if (streams.troubled(region.name(), why.toString())) {
                LOG.errorf("source feed of %s cannot read %s's stream, retrying: %s", ownRegion, region.name(),
                        why.toString());
            }
        }

        /**
         * Asks the brokers where the assigned partitions end; when every event before that end has been applied,
         * the stream was read to its end as of the moment the question was asked. Without an assignment (not yet
         * joined, or more replicas than partitions) this replica knows nothing about the stream and notes nothing.
         */
        private void noteIfReadToEnd(KafkaConsumer<String, String> consumer) {
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

        private void applyOne(ConsumerRecord<String, String> record) {
            try {
                var event = EventJson.read(record.value());
                if (intake.replay(readModel, event, applied -> catalogue.apply(region.name(), applied))) {
                    metrics.consumed(readModel, event.type());
                }
            } catch (EventJson.MalformedEvent e) {
                LOG.errorf("source feed of %s skipped an unreadable record at %s-%d@%d", region.name(),
                        record.topic(), record.partition(), record.offset());
                metrics.rejected(readModel, "malformed");
            }
        }
    }
}
