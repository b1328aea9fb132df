package dev.imageregistry.stack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The raw floor of one event hop: a record produced to the Region's broker (acks=all, idempotent, linger 2 ms: the
 * outbox relay's settings) until a consumer of its partition has it, one record at a time, on a topic of its own.
 */
final class KafkaRoundTrip {
    private static final String TOPIC = "benchmark-round-trip";

    private KafkaRoundTrip() {
    }

    /** The round trips' durations in nanoseconds, after {@code warmup} unmeasured ones. */
    static List<Long> measure(String bootstrapServers, int warmup, int count) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Properties producing = new Properties();
        producing.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producing.put(ProducerConfig.ACKS_CONFIG, "all");
        producing.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producing.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        Properties consuming = new Properties();
        consuming.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consuming.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        List<Long> samples = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producing, new StringSerializer(),
                new StringSerializer());
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consuming, new StringDeserializer(),
                        new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            for (int i = 0; i < warmup + count; i++) {
                String value = "round-trip-" + i;
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(TOPIC, value, value));
                awaitRecord(consumer, value);
                if (i >= warmup) {
                    samples.add(System.nanoTime() - start);
                }
            }
        }
        return samples;
    }

    private static void awaitRecord(KafkaConsumer<String, String> consumer, String value) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                if (record.value().equals(value)) {
                    return;
                }
            }
        }
        throw new AssertionError("the round-trip record " + value + " never arrived");
    }
}
