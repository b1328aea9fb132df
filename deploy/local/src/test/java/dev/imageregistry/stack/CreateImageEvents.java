package dev.imageregistry.stack;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The events of CreateImage as a consumer of the Region's topics sees them arrive: ImageCreationRequested and
 * ImageAvailable on image-events, VolumeSnapshotTaken on instance-events, SnapshotStarted, SnapshotBlocksOverlaid and
 * SnapshotCompleted on snapshot-events. Waiting on ImageAvailable needs no polling of DescribeImages (which would
 * add its own interval and count against the account's describe limit), and the other arrivals say where the time
 * went.
 */
final class CreateImageEvents implements AutoCloseable {
    private static final List<String> TOPICS = List.of("image-events", "instance-events", "snapshot-events");
    private static final JsonFactory JSON = new JsonFactory();

    /** All parts of one event type for one image or snapshot: when the last arrived (System.nanoTime), their size. */
    record Arrival(long nanos, int parts, long bytes) {
    }

    private static final class Progress {
        final CompletableFuture<Arrival> complete = new CompletableFuture<>();
        int parts;
        long bytes;
    }

    private final KafkaConsumer<String, String> consumer;
    private final Map<String, Progress> seen = new ConcurrentHashMap<>();
    private final Thread poller;
    private volatile boolean closed;

    CreateImageEvents(String bootstrapServers) {
        Properties settings = new Properties();
        settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        settings.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 << 20));
        consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = TOPICS.stream().flatMap(topic -> consumer.partitionsFor(topic).stream())
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // Resolve the end offsets now: an event published after the constructor returns must not be skipped.
        partitions.forEach(consumer::position);
        poller = new Thread(this::poll, "create-image-events");
        poller.setDaemon(true);
        poller.start();
    }

    /** When the image's ImageAvailable arrived; fails on ImageFailed or after the timeout. */
    long awaitAvailable(String imageId, Duration timeout) throws Exception {
        CompletableFuture<Arrival> available = progress("ImageAvailable", imageId).complete;
        CompletableFuture.anyOf(available, progress("ImageFailed", imageId).complete)
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!available.isDone()) {
            throw new AssertionError(imageId + " failed (ImageFailed)");
        }
        return available.get().nanos();
    }

    /** The arrival of all parts of an event type about an image or snapshot (ID); waits for them up to the timeout. */
    Arrival await(String type, String id, Duration timeout) throws Exception {
        return progress(type, id).complete.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Progress progress(String type, String id) {
        return seen.computeIfAbsent(type + " " + id, key -> new Progress());
    }

    private void poll() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    long arrived = System.nanoTime();
                    Event event = read(record.value());
                    Progress progress = progress(event.type(), event.id());
                    synchronized (progress) {
                        progress.parts++;
                        progress.bytes += record.value().length();
                        if (progress.parts >= event.parts()) {
                            progress.complete.complete(new Arrival(arrived, progress.parts, progress.bytes));
                        }
                    }
                }
            }
        } catch (WakeupException stopping) {
            // close() woke the consumer up
        } catch (Exception e) {
            seen.values().forEach(pending -> pending.complete.completeExceptionally(e));
        } finally {
            consumer.close();
        }
    }

    /** What is needed of an envelope: its type, the image (else snapshot) it is about, and its number of parts. */
    private record Event(String type, String id, int parts) {
    }

    /** Read as a stream, skipping the block maps: a part of a 64 GiB map is some 400 KB of JSON. */
    private static Event read(String envelope) throws IOException {
        String type = null;
        String imageId = null;
        String snapshotId = null;
        int parts = 1;
        try (JsonParser json = JSON.createParser(envelope)) {
            json.nextToken();
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                json.nextToken();
                if (field.equals("type")) {
                    type = json.getText();
                } else if (field.equals("data") && json.currentToken() == JsonToken.START_OBJECT) {
                    while (json.nextToken() == JsonToken.FIELD_NAME) {
                        String member = json.currentName();
                        json.nextToken();
                        switch (member) {
                            case "imageId" -> imageId = json.getText();
                            case "snapshotId" -> snapshotId = json.getText();
                            case "parts" -> parts = json.getIntValue();
                            default -> json.skipChildren();
                        }
                    }
                } else {
                    json.skipChildren();
                }
            }
        }
        boolean aboutImage = type != null && type.startsWith("Image") && imageId != null;
        return new Event(type, aboutImage ? imageId : Stream.of(snapshotId, imageId).filter(id -> id != null)
                .findFirst().orElse(""), parts);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        poller.join(10_000);
    }
}
