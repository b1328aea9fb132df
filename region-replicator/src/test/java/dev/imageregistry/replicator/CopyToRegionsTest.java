package dev.imageregistry.replicator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * A copy to several Regions in one request. This replicator is eu-west-1's; us-east-1 (the other Region of
 * {@link TwoRegionTestResource}) has its own broker, whose copy-events the tests write to play us-east-1's
 * replicator, and this Region's registry is played by publishing ImageCopyRequested.
 */
@QuarkusTest
@WithTestResource(TwoRegionTestResource.class)
class CopyToRegionsTest {
    static final String HERE = TwoRegionTestResource.REGION;
    static final String THERE = SourceRegionFixture.REGION;
    static final String A = "111111111111";
    static final ObjectMapper JSON = new ObjectMapper();

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
    void aCopyToTwoRegionsDispatchesOnePerDestinationAndThisDestinationAssignsItsOwnOnce() throws Exception {
        String owner = account();
        String sourceImage = SourceRegionFixture.id("ami-");
        Response response = copyToRegions(owner, Map.of("SourceRegion", THERE, "SourceImageId", sourceImage,
                "DestinationRegions", List.of(HERE, THERE), "Name", "web (copy) [2026]", "Description", "fan-out",
                "CopyImageTags", true));
        response.then().statusCode(200).body("Copies.size()", equalTo(2))
                .body("Copies[0].Region", equalTo(HERE)).body("Copies[0].State", equalTo("pending"))
                .body("Copies[1].Region", equalTo(THERE)).body("Copies[1].State", equalTo("pending"));
        String toHere = response.path("Copies[0].ImageId");
        String toThere = response.path("Copies[1].ImageId");
        assertTrue(toHere.matches("ami-[0-9a-f]{17}") && toThere.matches("ami-[0-9a-f]{17}"));
        assertNotEquals(toHere, toThere);

        JsonNode dispatchedHere = awaitSingle(toHere, "ImageCopyDispatched");
        JsonNode dispatchedThere = awaitSingle(toThere, "ImageCopyDispatched");
        assertEquals(HERE, dispatchedHere.at("/data/destinationRegion").asText());
        assertEquals(THERE, dispatchedThere.at("/data/destinationRegion").asText());
        for (JsonNode dispatched : List.of(dispatchedHere, dispatchedThere)) {
            assertEquals(owner, dispatched.at("/data/ownerId").asText(), "the caller owns the copies");
            assertEquals(THERE, dispatched.at("/data/sourceRegion").asText());
            assertEquals(sourceImage, dispatched.at("/data/sourceImageId").asText());
            assertEquals("web (copy) [2026]", dispatched.at("/data/name").asText());
            assertEquals("fan-out", dispatched.at("/data/description").asText());
            assertTrue(dispatched.at("/data/copyImageTags").asBoolean());
            assertEquals(HERE, dispatched.path("region").asText());
            assertEquals(1, dispatched.path("aggregateversion").asLong());
        }

        // This Region is a destination: its replicator read the dispatch from its own copy-events.
        JsonNode assigned = awaitSingle(toHere, "ImageCopyAssigned");
        assertEquals(HERE, assigned.at("/data/dispatchedFrom").asText());
        assertEquals(2, assigned.path("aggregateversion").asLong(), "follows the dispatch on the same aggregate");
        for (String field : List.of("imageId", "ownerId", "destinationRegion", "sourceRegion", "sourceImageId", "name",
                "description", "copyImageTags", "requestedAt")) {
            assertEquals(dispatchedHere.at("/data/" + field), assigned.at("/data/" + field), field);
        }

        // The same dispatch delivered again, and replayed under a new event ID: still one assignment.
        String record = copyEvents.recordsWithKey(toHere).stream().map(ConsumerRecord::value)
                .filter(v -> v.contains("ImageCopyDispatched")).findFirst().orElseThrow();
        TopicTap.publish(bootstrap, "copy-events", toHere, record);
        TopicTap.publish(bootstrap, "copy-events", toHere, withNewId(record));
        // us-east-1's copy is for us-east-1's replicator: nothing is assigned to it here.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals(1, count(toHere, "ImageCopyAssigned"));
            assertEquals(0, count(toThere, "ImageCopyAssigned"));
        });
        assertEquals(1, count(toThere, "ImageCopyDispatched"));
    }

    @Test
    void aDispatchFromAnotherRegionIsAssignedHereExactlyOnceEvenWhenDeliveredTwice() {
        String owner = account();
        String forHere = SourceRegionFixture.id("ami-");
        String forElsewhere = SourceRegionFixture.id("ami-");
        String dispatch = dispatchedFromThere(forHere, owner, HERE);
        TopicTap.publish(source.kafka.bootstrapServers(), "copy-events", forHere, dispatch);
        TopicTap.publish(source.kafka.bootstrapServers(), "copy-events", forHere, dispatch);
        TopicTap.publish(source.kafka.bootstrapServers(), "copy-events", forHere, withNewId(dispatch));
        TopicTap.publish(source.kafka.bootstrapServers(), "copy-events", forElsewhere,
                dispatchedFromThere(forElsewhere, owner, "ap-south-1"));

        JsonNode assigned = awaitSingle(forHere, "ImageCopyAssigned");
        assertEquals(THERE, assigned.at("/data/dispatchedFrom").asText(), "the requesting Region");
        assertEquals(HERE, assigned.at("/data/destinationRegion").asText());
        assertEquals(owner, assigned.at("/data/ownerId").asText());
        assertEquals(forHere, assigned.at("/data/imageId").asText());
        assertEquals(HERE, assigned.path("region").asText(), "published by this Region");
        assertEquals(1, assigned.path("aggregateversion").asLong(), "expected version 0: a new aggregate here");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals(1, count(forHere, "ImageCopyAssigned"));
            assertEquals(0, copyEvents.recordsWithKey(forElsewhere).size(), "not addressed to this Region");
        });
    }

    @Test
    void refusedRequestsDispatchNothing() {
        String owner = account();
        String image = SourceRegionFixture.id("ami-");
        // Each refusal's rule is CopyImageToRegionsTest's; here, that a refusal answers in EC2's shape and writes nothing.
        copyToRegions(owner, request(image, List.of(HERE, "ap-south-1")))
                .then().statusCode(400).body("Errors[0].Code", equalTo("InvalidParameterValue"));
        copyToRegions(owner, with(request(image, List.of(HERE)), "SourceImageId", "ami-123"))
                .then().statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.Malformed"));
        copyToRegions(owner, Map.of("SourceRegion", THERE, "SourceImageId", image, "Name", "a name"))
                .then().statusCode(400).body("Errors[0].Code", equalTo("MissingParameter"));
        given().auth().oauth2(RegionTestResource.tokens().token(owner)).contentType(ContentType.JSON)
                .body(Map.of("SourceRegion", THERE, "SourceImageId", image, "DestinationRegions", List.of(HERE),
                        "Name", "a name", "OwnerId", A))
                .when().post("/image-copies").then().statusCode(200);
        given().contentType(ContentType.JSON).body(request(image, List.of(HERE))).when().post("/image-copies")
                .then().statusCode(401);

        // Only the one accepted request (whose owner is the caller, not the body's OwnerId) dispatched anything.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<JsonNode> dispatched = dispatchedFor(image);
            assertEquals(1, dispatched.size());
            assertEquals(owner, dispatched.get(0).at("/data/ownerId").asText());
        });
    }

    @Test
    void aRetryWithTheSameClientTokenReturnsTheSameImagesAndDispatchesNothingNew() {
        String owner = account();
        String image = SourceRegionFixture.id("ami-");
        Map<String, Object> body = with(request(image, List.of(THERE, HERE)), "ClientToken", UUID.randomUUID().toString());
        Response first = copyToRegions(owner, body);
        first.then().statusCode(200);
        Response again = copyToRegions(owner, body);
        again.then().statusCode(200);
        assertEquals(first.jsonPath().getList("Copies.ImageId"), again.jsonPath().getList("Copies.ImageId"));
        assertEquals(List.of(THERE, HERE), again.jsonPath().getList("Copies.Region"));
        copyToRegions(owner, with(body, "Name", "another name"))
                .then().statusCode(400).body("Errors[0].Code", equalTo("IdempotentParameterMismatch"));

        String toHere = first.path("Copies[1].ImageId");
        awaitSingle(toHere, "ImageCopyAssigned");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals(2, dispatchedFor(image).size());
            assertEquals(1, count(toHere, "ImageCopyAssigned"));
        });
    }

    @Test
    void theAssignedCopyRunsAsUsualWhenThisRegionsRegistryOpensIt() {
        String owner = account();
        String sourceImage = source.image(owner, List.of(source.snapshot(owner, List.of(source.store(source.newBlock()),
                source.store(source.newBlock())))));
        String stranger = account();
        String allowed = copyToRegions(owner, request(sourceImage, List.of(HERE))).then().statusCode(200).extract()
                .path("Copies[0].ImageId");
        String refused = copyToRegions(stranger, request(sourceImage, List.of(HERE))).then().statusCode(200).extract()
                .path("Copies[0].ImageId");

        for (String copy : List.of(allowed, refused)) {
            // Played registry: it opens the pending copy with exactly the assigned image ID and owner.
            JsonNode assigned = awaitSingle(copy, "ImageCopyAssigned");
            TopicTap.publish(bootstrap, "image-events", copy, copyRequested(assigned.path("data")));
        }

        JsonNode copied = awaitSingle(allowed, "ImageCopied");
        assertEquals(sourceImage, copied.at("/data/sourceImageId").asText());
        assertEquals(List.of("ImageCopyDispatched", "ImageCopyAssigned"), typesOf(allowed).subList(0, 2));
        List<Long> versions = eventsOf(allowed).stream().map(e -> e.path("aggregateversion").asLong()).toList();
        for (int i = 0; i < versions.size(); i++) {
            assertEquals(i + 1, versions.get(i), "one aggregate, versions 1, 2, 3...: " + versions);
        }
        given().auth().oauth2(RegionTestResource.tokens().token(owner)).get("/copies/" + allowed)
                .then().statusCode(200).body("State", equalTo("completed"));

        // A caller who may not launch the source image gets a failed copy, as with a single-Region CopyImage.
        JsonNode failed = await().atMost(Duration.ofSeconds(60)).until(() -> single(refused, "ImageCopyFailed"),
                java.util.Objects::nonNull);
        assertEquals("InvalidAMIID.NotFound", failed.at("/data/stateReason/code").asText());
        assertEquals(0, count(refused, "ImageCopied"));
    }

    // --- helpers

    private static final java.util.concurrent.atomic.AtomicLong ACCOUNTS = new java.util.concurrent.atomic.AtomicLong(
            System.nanoTime() % 1_000_000);

    /** A fresh account per test, so that events can be told apart by owner. */
    private static String account() {
        return "9" + String.format("%011d", ACCOUNTS.incrementAndGet() % 100_000_000_000L);
    }

    private static Map<String, Object> request(String sourceImage, List<String> destinations) {
        return Map.of("SourceRegion", THERE, "SourceImageId", sourceImage, "DestinationRegions", destinations,
                "Name", "copy of " + sourceImage);
    }

    private static Map<String, Object> with(Map<String, Object> body, String key, Object value) {
        Map<String, Object> changed = new java.util.HashMap<>(body);
        changed.put(key, value);
        return changed;
    }

    private static Response copyToRegions(String caller, Map<String, Object> body) {
        return given().auth().oauth2(RegionTestResource.tokens().token(caller)).contentType(ContentType.JSON).body(body)
                .when().post("/image-copies");
    }

    private static String dispatchedFromThere(String imageId, String owner, String destination) {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/regions/" + THERE
                + "/region-replicator\",\"type\":\"ImageCopyDispatched\",\"subject\":\"" + imageId + "\",\"time\":\""
                + Instant.now() + "\",\"datacontenttype\":\"application/json\",\"region\":\"" + THERE + "\","
                + "\"aggregateversion\":1,\"schemaversion\":1,\"data\":{\"imageId\":\"" + imageId + "\",\"ownerId\":\""
                + owner + "\",\"destinationRegion\":\"" + destination + "\",\"sourceRegion\":\"" + THERE + "\","
                + "\"sourceImageId\":\"" + SourceRegionFixture.id("ami-") + "\",\"name\":\"from " + THERE + "\","
                + "\"copyImageTags\":false,\"requestedAt\":\"" + Instant.now() + "\"}}";
        EventContract.assertConforms(envelope);
        return envelope;
    }

    private static String copyRequested(JsonNode assigned) {
        String copy = assigned.path("imageId").asText();
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/regions/" + HERE
                + "/registry-service\",\"type\":\"ImageCopyRequested\",\"subject\":\"" + copy + "\",\"time\":\""
                + Instant.now() + "\",\"datacontenttype\":\"application/json\",\"region\":\"" + HERE + "\","
                + "\"aggregateversion\":1,\"schemaversion\":1,\"data\":{\"imageId\":\"" + copy + "\",\"ownerId\":\""
                + assigned.path("ownerId").asText() + "\",\"name\":\"" + assigned.path("name").asText()
                + "\",\"sourceImageId\":\"" + assigned.path("sourceImageId").asText() + "\",\"sourceRegion\":\""
                + assigned.path("sourceRegion").asText() + "\",\"copyImageTags\":" + assigned.path("copyImageTags")
                + ",\"creationDate\":\"" + Instant.now() + "\"}}";
        EventContract.assertConforms(envelope);
        return envelope;
    }

    private static String withNewId(String envelope) throws RuntimeException {
        try {
            ObjectNode node = (ObjectNode) JSON.readTree(envelope);
            node.put("id", UUID.randomUUID().toString());
            return JSON.writeValueAsString(node);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until this Region's copy-events holds an event of {@code type} for {@code copy}; checks the contract. */
    private static JsonNode awaitSingle(String copy, String type) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> single(copy, type), java.util.Objects::nonNull);
    }

    private static JsonNode single(String copy, String type) {
        List<JsonNode> found = eventsOf(copy).stream().filter(e -> e.path("type").asText().equals(type)).toList();
        assertTrue(found.size() <= 1, "more than one " + type + " for " + copy);
        return found.isEmpty() ? null : found.get(0);
    }

    private static long count(String copy, String type) {
        return eventsOf(copy).stream().filter(e -> e.path("type").asText().equals(type)).count();
    }

    private static List<String> typesOf(String copy) {
        return eventsOf(copy).stream().map(e -> e.path("type").asText()).toList();
    }

    /** This Region's copy-events for one image, in aggregate order, every one validated against the contract. */
    private static List<JsonNode> eventsOf(String copy) {
        return CopyTestRegions.eventsOf(copyEvents, copy);
    }

    private static List<JsonNode> dispatchedFor(String sourceImage) {
        List<JsonNode> found = new ArrayList<>();
        for (ConsumerRecord<String, String> record : copyEvents.records()) {
            if (record.value().contains("ImageCopyDispatched") && record.value().contains(sourceImage)) {
                EventContract.assertConforms(record.value());
                try {
                    JsonNode event = JSON.readTree(record.value());
                    if (event.path("type").asText().equals("ImageCopyDispatched")) {
                        found.add(event);
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
        return found;
    }
}
