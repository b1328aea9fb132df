package dev.imageregistry.platform.projection;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Wipes a read model and rebuilds it by replaying its topics from the beginning up to their end at the start
 * of the rebuild. It runs in one transaction holding the read model's exclusive lock: callers keep seeing the
 * old view until the new one commits, and live intake waits, then skips what the rebuild already applied.
 */
@ApplicationScoped
public class ReadModelRebuild {
    private static final Logger LOG = Logger.getLogger(ReadModelRebuild.class);

    private final EventIntake intake;
    private final String bootstrapServers;

    public ReadModelRebuild(EventIntake intake, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.intake = intake;
        this.bootstrapServers = bootstrapServers;
    }

    public record Report(String readModel, long eventsReplayed, long eventsApplied, long millis) {
    }

    /** Rebuilds one of the service's read models from its topics. */
    public Report rebuild(ReadModel readModel) {
        return rebuild(readModel.name(), readModel.topics(), readModel::clear, readModel.replayProjector());
    }

    /**
     * @param clear deletes every row of the read model (runs inside the rebuild's transaction)
     * @param projector the same code live intake uses, so the rebuilt view cannot differ from the live one
     */
    private Report rebuild(String readModel, List<String> topics, Runnable clear, Consumer<EventEnvelope> projector) {
        long started = System.nanoTime();
        Report report = QuarkusTransaction.requiringNew().timeout(3600).call(() -> {
            intake.waitForRebuild(readModel, true);
            clear.run();
            intake.forget(readModel);
            long replayed = 0;
            long applied = 0;
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(readModel))) {
                List<TopicPartition> partitions = topics.stream()
                        .flatMap(topic -> consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                                .map(info -> new TopicPartition(topic, info.partition())))
                        .toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions));
                ends.entrySet().removeIf(end -> end.getValue() == 0);
                while (!ends.isEmpty()) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                        Long end = ends.get(partition);
                        if (end == null || record.offset() >= end) {
                            continue;
                        }
                        replayed++;
                        try {
                            if (intake.replay(readModel, EventJson.read(record.value()), projector)) {
                                applied++;
                            }
                        } catch (EventJson.MalformedEvent e) {
                            LOG.errorf("rebuild of %s skipped an unreadable record at %s@%d", readModel, partition,
                                    record.offset());
                        }
                    }
                    ends.entrySet().removeIf(end -> consumer.position(end.getKey()) >= end.getValue());
                }
            }
            return new Report(readModel, replayed, applied, 0);
        });
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        LOG.infof("rebuilt read model %s from %s: %d events replayed, %d applied, %d ms", readModel, topics,
                report.eventsReplayed(), report.eventsApplied(), millis);
        return new Report(readModel, report.eventsReplayed(), report.eventsApplied(), millis);
    }

    private Properties consumerConfig(String readModel) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "rebuild-" + readModel);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return props;
    }
}
