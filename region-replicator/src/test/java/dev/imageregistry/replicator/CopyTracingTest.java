package dev.imageregistry.replicator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * One copy is one trace: the W3C trace context of the request travels through the outbox (envelope attribute and
 * Kafka header), through the consumers that project it, and through the copy queue, into the events the copy
 * publishes. The tests run without the OpenTelemetry agent, so spans are not recorded; the trace ID must travel
 * all the same.
 */
@QuarkusTest
@WithTestResource(TwoRegionTestResource.class)
class CopyTracingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final SecureRandom RANDOM = new SecureRandom();
    static final String OWNER = "444455556666";

    static SourceRegionFixture source;
    static TopicTap copyEvents;
    static String bootstrap;

    @BeforeAll
    static void connect() {
        source = SourceRegionFixture.get();
        bootstrap = RegionTestResource.region().kafka().bootstrapServers();
        copyEvents = new TopicTap(bootstrap, "copy-events");
    }

    @AfterAll
    static void close() {
        copyEvents.close();
    }

    @Test
    void aRequestsTraceReachesTheEventItDecidedAndTheEventsProjectedFromIt() {
        String traceId = newTraceId();
        String toHere = given().auth().oauth2(RegionTestResource.tokens().token(OWNER)).contentType(ContentType.JSON)
                .header("traceparent", "00-" + traceId + "-" + hex(8) + "-01")
                .body(Map.of("SourceRegion", SourceRegionFixture.REGION, "SourceImageId", SourceRegionFixture.id("ami-"),
                        "DestinationRegions", List.of(TwoRegionTestResource.REGION), "Name", "traced copy"))
                .when().post("/image-copies").then().statusCode(200).extract().path("Copies[0].ImageId");

        // Decided in the request: sent later by the outbox relay, from its own thread, in the request's trace.
        ConsumerRecord<String, String> dispatched = awaitRecord(toHere, "ImageCopyDispatched");
        assertTraced(traceId, dispatched);
        // Appended by the consumer that projected the dispatch: the trace goes on.
        assertTraced(traceId, awaitRecord(toHere, "ImageCopyAssigned"));
    }

    @Test
    void aCopyPublishesItsOutcomeInTheTraceOfItsRequest() {
        String image = source.image(OWNER, List.of(source.snapshot(OWNER, List.of(source.store(source.newBlock()),
                source.store(source.newBlock())))));
        String copy = SourceRegionFixture.id("ami-");
        String traceId = newTraceId();
        String traceparent = "00-" + traceId + "-" + hex(8) + "-01";
        // As the registry's relay sends it: the attribute in the envelope and the header on the record.
        publish("image-events", copy, copyRequested(copy, OWNER, image, traceparent), traceparent);

        ConsumerRecord<String, String> copied = awaitRecord(copy, "ImageCopied");
        assertTraced(traceId, copied);
        for (ConsumerRecord<String, String> record : copyEvents.recordsWithKey(copy)) {
            EventContract.assertConforms(record.value());
            assertTraced(traceId, record); // progress and block maps too
        }
    }

    // --- helpers

    private static void assertTraced(String traceId, ConsumerRecord<String, String> record) {
        JsonNode envelope = read(record.value());
        String type = envelope.path("type").asText();
        String attribute = envelope.path("traceparent").asText(null);
        assertNotNull(attribute, type + " carries no traceparent: " + record.value());
        assertTrue(attribute.matches("00-" + traceId + "-[0-9a-f]{16}-[0-9a-f]{2}"), type + ": " + attribute);
        Header header = record.headers().lastHeader("traceparent");
        assertNotNull(header, type + " has no traceparent header");
        String value = new String(header.value(), StandardCharsets.UTF_8);
        assertTrue(value.startsWith("00-" + traceId + "-"), type + " header: " + value);
        EventContract.assertConforms(record.value());
    }

    private static ConsumerRecord<String, String> awaitRecord(String subject, String type) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> copyEvents.recordsWithKey(subject).stream()
                .filter(r -> type.equals(read(r.value()).path("type").asText())).findFirst().orElse(null),
                java.util.Objects::nonNull);
    }

    private static void publish(String topic, String key, String value, String traceparent) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
            record.headers().add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
            producer.send(record).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String copyRequested(String copy, String owner, String sourceImage, String traceparent) {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/regions/eu-west-1/"
                + "registry-service\",\"type\":\"ImageCopyRequested\",\"subject\":\"" + copy + "\",\"time\":\""
                + Instant.now() + "\",\"datacontenttype\":\"application/json\",\"region\":\"eu-west-1\","
                + "\"aggregateversion\":1,\"schemaversion\":1,\"traceparent\":\"" + traceparent + "\",\"data\":{"
                + "\"imageId\":\"" + copy + "\",\"ownerId\":\"" + owner + "\",\"name\":\"copy of " + sourceImage
                + "\",\"sourceImageId\":\"" + sourceImage + "\",\"sourceRegion\":\"us-east-1\",\"copyImageTags\":false,"
                + "\"creationDate\":\"" + Instant.now() + "\"}}";
        EventContract.assertConforms(envelope);
        return envelope;
    }

    private static String newTraceId() {
        String traceId = hex(16);
        assertFalse(traceId.matches("0+"));
        return traceId;
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
