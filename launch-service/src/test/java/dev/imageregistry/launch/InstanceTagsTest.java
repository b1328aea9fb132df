package dev.imageregistry.launch;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.launch.domain.LaunchableImage;
import dev.imageregistry.launch.persistence.LaunchableImages;
import dev.imageregistry.platform.persistence.Jdbc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/**
 * CreateTags and DeleteTags over HTTP: the request shapes (DeleteTags with or without a body), the tags
 * DescribeInstances and its tag filters show, who may tag, and how long a terminated instance can be tagged. The
 * rules one by one (limits, key and value restrictions, value matching): domain/InstanceTest; the published
 * events: InstanceLifecycleTest.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "launch"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class InstanceTagsTest {
    private static final RegistryPlayer REGISTRY = new RegistryPlayer();
    private static final Api OWNER = new Api(RegistryPlayer.account());
    private static final Api OTHER = new Api(RegistryPlayer.account());
    /** One image for the whole class: each test tags instances of its own. */
    private static String image;

    @Inject
    LaunchableImages images;
    @Inject
    Jdbc jdbc;

    @BeforeEach
    void registerImageOnce() {
        if (image != null) {
            return;
        }
        String imageId = RegistryPlayer.imageId();
        String snapshot = RegistryPlayer.snapshotId();
        REGISTRY.snapshotCompleted(snapshot, OWNER.account(), 1, 10);
        REGISTRY.registered(imageId, OWNER.account(), snapshot, 1);
        long version = REGISTRY.version(imageId);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertEquals(version,
                images.find(OWNER.account(), imageId).map(LaunchableImage::version).orElse(0L)));
        image = imageId;
    }

    @Test
    void tagsAreSetOverwrittenAndDeletedByKeyByValueOrAll() {
        Map<String, Object> request = Api.request(image, 1, 1);
        request.put("TagSpecifications", List.of(Map.of("ResourceType", "instance",
                "Tags", List.of(Map.of("Key", "role", "Value", "web")))));
        String instance = OWNER.run(request).statusCode(200).extract().path("Instances[0].InstanceId");

        OWNER.createTags(instance, Map.of("role", "db", "env", "test")).statusCode(200).body("Return", equalTo(true));
        assertEquals(Map.of("role", "db", "env", "test"), OWNER.tags(instance));
        OWNER.as().queryParam("Filter.1.Name", "tag:env").queryParam("Filter.1.Value.1", "test").get("/instances")
                .then().statusCode(200).body("Reservations.Instances.flatten().InstanceId", contains(instance));

        OWNER.deleteTags(instance, "[{\"Key\":\"env\",\"Value\":\"prod\"}]").statusCode(200).body("Return", equalTo(true));
        assertEquals(Map.of("role", "db", "env", "test"), OWNER.tags(instance), "another value keeps the tag");
        OWNER.deleteTags(instance, "[{\"Key\":\"env\",\"Value\":\"test\"}]").statusCode(200);
        assertEquals(Map.of("role", "db"), OWNER.tags(instance));
        OWNER.deleteTags(instance, "[{\"Key\":\"role\"},{\"Key\":\"never-there\"}]").statusCode(200);
        assertEquals(Map.of(), OWNER.tags(instance));

        OWNER.createTags(instance, Map.of("a", "1", "b", "")).statusCode(200);
        assertEquals(Map.of("a", "1", "b", ""), OWNER.tags(instance));
        assertEquals(200, OWNER.deleteAllTags(instance));
        assertEquals(Map.of(), OWNER.tags(instance));
        OWNER.as().delete("/instances/" + instance + "/tags").then().statusCode(200).body("Return", equalTo(true));

        // a refused request changes nothing, whatever refused it: the body's absence, or a rule of the instance
        OWNER.createTags(instance, Map.of("kept", "v")).statusCode(200);
        error(OWNER.as().post("/instances/" + instance + "/tags").then(), "MissingParameter");
        error(OWNER.createTags(instance, Map.of("aws:name", "v")), "InvalidParameterValue");
        assertEquals(Map.of("kept", "v"), OWNER.tags(instance));
    }

    @Test
    void onlyTheOwnerTagsAndAnyoneElseFindsNothing() {
        String instance = OWNER.launchOne(image);
        OWNER.createTags(instance, Map.of("team", "os")).statusCode(200);
        error(OTHER.createTags(instance, Map.of("team", "theirs")), "InvalidInstanceID.NotFound");
        error(OTHER.deleteTags(instance, "[{\"Key\":\"team\"}]"), "InvalidInstanceID.NotFound");
        error(OTHER.as().delete("/instances/" + instance + "/tags").then(), "InvalidInstanceID.NotFound");
        assertEquals(Map.of("team", "os"), OWNER.tags(instance));
        error(OWNER.createTags("i-1a2b3c4d", Map.of("k", "v")), "InvalidInstanceID.NotFound");
        error(OWNER.createTags("i-123", Map.of("k", "v")), "InvalidInstanceID.Malformed");
        error(OWNER.deleteTags("ami-0123456789abcdef0", "[{\"Key\":\"k\"}]"), "InvalidInstanceID.Malformed");
    }

    @Test
    void aTerminatedInstanceIsTaggedWhileItIsStillVisible() {
        String instance = OWNER.launchOne(image);
        OWNER.action("terminate", List.of(instance)).statusCode(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> OWNER.state(instance).equals("terminated"));
        OWNER.createTags(instance, Map.of("reason", "done")).statusCode(200);
        assertEquals(Map.of("reason", "done"), OWNER.tags(instance));

        // an hour later it is gone, as on EC2: its tags cannot be changed any more
        QuarkusTransaction.requiringNew().run(() -> jdbc.update(
                "update instance set state_changed_at = ? where instance_id = ?",
                Instant.now().minus(Duration.ofHours(2)), instance));
        error(OWNER.createTags(instance, Map.of("k", "v")), "InvalidInstanceID.NotFound");
        error(OWNER.deleteTags(instance, "[{\"Key\":\"reason\"}]"), "InvalidInstanceID.NotFound");
    }

    private static void error(ValidatableResponse response, String code) {
        response.statusCode(400).body("Errors[0].Code", equalTo(code));
    }
}
