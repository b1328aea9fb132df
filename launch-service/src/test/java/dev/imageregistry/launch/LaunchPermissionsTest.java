package dev.imageregistry.launch;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.launch.domain.LaunchableImage;
import dev.imageregistry.launch.persistence.LaunchableImages;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The launch decision fed by the registry's events: each event the decision reads (registered, shared and
 * unshared with an account or with everyone, disabled, enabled, deregistered, a copy requested, available or
 * failed) reaches it through the topic and the read model, across three accounts. The rules one by one (who sees
 * an image, which states launch, deprecated images, the ID shapes): domain/LaunchableImageTest and
 * domain/LaunchTest.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "launch"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class LaunchPermissionsTest {
    private final RegistryPlayer registry = new RegistryPlayer();

    @Inject
    LaunchableImages images;

    private final Api owner = new Api(RegistryPlayer.account());
    private final Api friend = new Api(RegistryPlayer.account());
    private final Api stranger = new Api(RegistryPlayer.account());

    @Test
    void everyImageEventTheDecisionReadsReachesIt() {
        String image = RegistryPlayer.imageId();
        registry.registered(image, owner.account(), RegistryPlayer.snapshotId(), 1);
        awaitApplied(image);
        owner.run(image).statusCode(200).body("OwnerId", equalTo(owner.account()))
                .body("Instances[0].InstanceId", startsWith("i-"))
                .body("Instances[0].State.Name", equalTo("pending"));
        refusedAsUnknown(friend, image);

        registry.shared(image, List.of(friend.account()), List.of());
        awaitApplied(image);
        friend.run(image).statusCode(200).body("OwnerId", equalTo(friend.account()));
        refusedAsUnknown(stranger, image);

        registry.shared(image, List.of(), List.of("all"));
        awaitApplied(image);
        stranger.run(image).statusCode(200);

        registry.unshared(image, List.of(), List.of("all"));
        awaitApplied(image);
        refusedAsUnknown(stranger, image);
        friend.run(image).statusCode(200);

        // a revocation refuses as soon as the event is applied
        registry.unshared(image, List.of(friend.account()), List.of());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> refusedAsUnknown(friend, image));

        registry.disabled(image);
        awaitApplied(image);
        owner.run(image).statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.Unavailable"));
        registry.enabled(image);
        awaitApplied(image);
        owner.run(image).statusCode(200);
        refusedAsUnknown(friend, image); // permissions are not restored by EnableImage

        registry.deregistered(image, owner.account(), RegistryPlayer.snapshotId());
        awaitApplied(image);
        refusedAsUnknown(owner, image);
    }

    @Test
    void aCopyIsUnavailableUntilItsImageAvailableBringsTheRootMapping() {
        String pending = RegistryPlayer.imageId();
        registry.copyRequested(pending, owner.account());
        awaitApplied(pending);
        owner.run(pending).statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.Unavailable"));
        refusedAsUnknown(stranger, pending);

        registry.available(pending, RegistryPlayer.snapshotId(), 2);
        awaitApplied(pending);
        owner.run(pending).statusCode(200)
                .body("Instances[0].BlockDeviceMappings[0].Ebs.VolumeSize", equalTo(2));

        String failed = RegistryPlayer.imageId();
        registry.copyRequested(failed, owner.account());
        registry.failed(failed);
        awaitApplied(failed);
        owner.run(failed).statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.Unavailable"));
    }

    @Test
    void malformedUnknownAndUnauthenticatedLaunches() {
        owner.run("ami-123").statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.Malformed"));
        // EC2's older IDs (8 hex digits) are well formed: an unknown one is not found, not malformed.
        refusedAsUnknown(owner, "ami-1a2b3c4d");
        refusedAsUnknown(owner, RegistryPlayer.imageId());
        owner.as().body("{}").post("/instances").then().statusCode(400).body("Errors[0].Code", equalTo("MissingParameter"));
        io.restassured.RestAssured.given().contentType("application/json")
                .body(Api.request(RegistryPlayer.imageId(), 1, 1)).post("/instances").then().statusCode(401)
                .body("Errors[0].Code", equalTo("AuthFailure"));
    }

    /** Waits until the read model has applied every event published for the image so far. */
    private void awaitApplied(String image) {
        long expected = registry.version(image);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertEquals(expected,
                images.find(owner.account(), image).map(LaunchableImage::version).orElse(0L)));
    }

    private static void refusedAsUnknown(Api caller, String image) {
        caller.run(image).statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.NotFound"));
    }
}
