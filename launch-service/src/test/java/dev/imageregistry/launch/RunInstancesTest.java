package dev.imageregistry.launch;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.launch.persistence.LaunchableImages;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * RunInstances over HTTP: client tokens (a retry answers the first reservation), the answer's shape, and that the
 * rules reach the API with the configured limit and a refusal launches nothing. The rules one by one (counts,
 * instance types, user data, tags): domain/LaunchTest.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "launch"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class RunInstancesTest {
    private final RegistryPlayer registry = new RegistryPlayer();
    private final Api caller = new Api(RegistryPlayer.account());
    private String image;

    @Inject
    LaunchableImages images;

    @BeforeEach
    void registerImage() {
        image = RegistryPlayer.imageId();
        registry.registered(image, caller.account(), RegistryPlayer.snapshotId(), 8);
        await().atMost(Duration.ofSeconds(15)).until(() -> images.mayLaunch(caller.account(), image));
    }

    @Test
    void clientTokenMakesARetryReturnTheFirstReservation() {
        Map<String, Object> request = Api.request(image, 2, 2);
        request.put("ClientToken", "retry-" + RegistryPlayer.hex17());
        var first = caller.run(request).statusCode(200).extract();
        var retry = caller.run(request).statusCode(200).extract();
        assertEquals(first.<String>path("ReservationId"), retry.<String>path("ReservationId"));
        assertEquals(first.<List<String>>path("Instances.InstanceId"), retry.<List<String>>path("Instances.InstanceId"));
        assertEquals(2, instanceCount());

        request.put("MaxCount", 3);
        caller.run(request).statusCode(400).body("Errors[0].Code", equalTo("IdempotentParameterMismatch"));
        assertEquals(2, instanceCount());

        request.put("ClientToken", "other-" + RegistryPlayer.hex17());
        var other = caller.run(request).statusCode(200).extract();
        assertNotEquals(first.<String>path("ReservationId"), other.<String>path("ReservationId"));
        assertEquals(5, instanceCount());
    }

    @Test
    void theRulesAnswerOverHttpAndARefusalLaunchesNothing() {
        caller.run(Api.request(image, 21, 30)).statusCode(400).body("Errors[0].Code", equalTo("InstanceLimitExceeded"));
        caller.as().body("{\"ImageId\":\"" + image + "\",\"MinCount\":\"two\"}").post("/instances").then()
                .statusCode(400).body("Errors[0].Code", equalTo("InvalidParameterValue"));
        Map<String, Object> request = Api.request(image, 2, 3);
        request.put("TagSpecifications", List.of(Map.of("ResourceType", "image",
                "Tags", List.of(Map.of("Key", "team", "Value", "x")))));
        caller.run(request).statusCode(400).body("Errors[0].Code", equalTo("InvalidParameterValue"));
        request.put("UserData", "not base64 at all!");
        request.put("TagSpecifications", List.of());
        caller.run(request).statusCode(400).body("Errors[0].Code", equalTo("InvalidParameterValue"));
        assertEquals(0, instanceCount());

        request.remove("InstanceType");
        request.put("UserData", Base64.getEncoder().encodeToString(new byte[16 * 1024]));
        request.put("TagSpecifications", List.of(Map.of("ResourceType", "instance",
                "Tags", List.of(Map.of("Key", "team", "Value", "images"), Map.of("Key", "env", "Value", "test")))));
        String reservation = caller.run(request).statusCode(200).body("Instances", hasSize(3))
                .body("Instances.AmiLaunchIndex", contains(0, 1, 2))
                .body("Instances.InstanceType", everyItem(equalTo("m1.small")))
                .body("Instances[0].State.Name", equalTo("pending"))
                .body("Instances[0].Tags.Key", contains("env", "team"))
                .body("OwnerId", equalTo(caller.account())).extract().path("ReservationId");
        caller.as().queryParam("Filter.1.Name", "tag:team").queryParam("Filter.1.Value.1", "images").get("/instances")
                .then().statusCode(200).body("Reservations.ReservationId", contains(reservation));
        assertEquals(3, instanceCount());
    }

    private int instanceCount() {
        return caller.as().get("/instances").then().statusCode(200).extract()
                .<List<String>>path("Reservations.Instances.flatten().InstanceId").size();
    }
}
