package dev.imageregistry.replicator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.minio.MinioClient;

/**
 * The two Regions of the copy tests as they look at them: the source Region (played by {@link SourceRegionFixture})
 * and this Region's copy-events and bucket, which the replicator under test writes.
 */
abstract class CopyTestRegions {
    private static final ObjectMapper JSON = new ObjectMapper();

    static SourceRegionFixture source;
    static TopicTap copyEvents;
    static MinioClient destination;

    @BeforeAll
    static void connect() {
        source = SourceRegionFixture.get();
        var region = RegionTestResource.region();
        copyEvents = new TopicTap(region.kafka().bootstrapServers(), "copy-events");
        destination = MinioClient.builder().endpoint(region.s3().endpoint())
                .credentials(region.s3().accessKey(), region.s3().secretKey()).region("us-east-1").build();
    }

    @AfterAll
    static void close() {
        copyEvents.close();
    }

    /** The copy's events on this Region's copy-events, in the order of their versions. */
    static List<JsonNode> eventsOf(String copy) {
        return eventsOf(copyEvents, copy);
    }

    /** The copy's events on {@code copyEvents}, in the order of their versions, each checked against the contract. */
    static List<JsonNode> eventsOf(TopicTap copyEvents, String copy) {
        List<JsonNode> events = new ArrayList<>();
        for (ConsumerRecord<String, String> record : copyEvents.recordsWithKey(copy)) {
            EventContract.assertConforms(record.value());
            try {
                events.add(JSON.readTree(record.value()));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        events.sort((a, b) -> Long.compare(a.path("aggregateversion").asLong(), b.path("aggregateversion").asLong()));
        return events;
    }

    /**
     * Waits until the copy's last event ends it ({@code ends}), checks it is {@code expectedType} (every event
     * of the copy met the contract as it was read), and returns it.
     */
    static JsonNode awaitOutcome(String copy, Predicate<JsonNode> ends, String expectedType) {
        JsonNode[] outcome = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<JsonNode> events = eventsOf(copy);
            JsonNode last = events.isEmpty() ? null : events.get(events.size() - 1);
            assertTrue(last != null && ends.test(last), "no outcome yet for " + copy);
            outcome[0] = last;
        });
        assertEquals(expectedType, outcome[0].path("type").asText(), outcome[0].toString());
        return outcome[0];
    }
}
