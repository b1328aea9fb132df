package dev.imageregistry.registry;

import static dev.imageregistry.registry.ImageActionsTest.error;
import static dev.imageregistry.registry.RegistryFixtures.*;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * CreateImage's wiring in the registry (the rules are ImageTest's): the instance as instance-events told it, the
 * pending image and its ImageCreationRequested on image-events (in the contract's shape), the image available once
 * the snapshot-service announces the root volume's snapshot completed, and the view rebuilt to the same answers.
 * The launch-service and the snapshot-service are played by publishing their events.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "registry"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class ImagesFromInstancesTest {
    @Inject
    DataSource database;

    @Test
    void anImageOfARunningInstanceIsPendingUntilItsRootVolumesSnapshotCompletes() throws Exception {
        String owner = account();
        String base = completedSnapshot(database, owner, 8);
        String launchedFrom = register(owner, uniqueName("base"), base);
        String instance = running(owner, launchedFrom, 16);

        String name = uniqueName("baked");
        String imageId;
        try (TopicTap tap = new TopicTap(bootstrap(), "image-events")) {
            imageId = as(owner).body(Map.of("InstanceId", instance, "Name", name, "Description", "baked from "
                    + instance)).post("/images/from-instance").then().statusCode(200).extract().path("ImageId");
            String created = imageId;
            await().atMost(Duration.ofSeconds(30)).until(() -> !tap.recordsWithKey(created).isEmpty());
            ConsumerRecord<String, String> requested = tap.recordsWithKey(created).get(0);
            EventContract.assertConforms(requested.value());
            assertEquals("ImageCreationRequested", CopyOutcomesTest.eventType(requested.value()));
        }
        String snapshot = as(owner).get("/images?ImageId=" + imageId).then()
                .body("Images[0].State", equalTo("pending"))
                .body("Images[0].SourceInstanceId", equalTo(instance))
                .body("Images[0].BlockDeviceMappings[0].DeviceName", equalTo("/dev/xvda"))
                .body("Images[0].BlockDeviceMappings[0].Ebs.VolumeSize", equalTo(16))
                .body("Images[0].BlockDeviceMappings[0].Ebs.SnapshotId", not(equalTo(base)))
                .extract().path("Images[0].BlockDeviceMappings[0].Ebs.SnapshotId");

        announceCompleted(snapshot, owner, 16);
        String available = imageId;
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> as(owner).get("/images?ImageId=" + available)
                .then().body("Images[0].State", equalTo("available"))
                .body("Images[0].BlockDeviceMappings[0].Ebs.SnapshotId", equalTo(snapshot)));
        as(owner).get("/images?Owner=self&Filter.1.Name=source-instance-id&Filter.1.Value.1=" + instance).then()
                .body("Images.ImageId", equalTo(List.of(imageId)));

        // The view rebuilt from image-events gives the same answers.
        String before = as(owner).get("/images?ImageId=" + imageId).asString();
        asOperator().post("/admin/read-models/images/rebuild").then().statusCode(200);
        assertEquals(before, as(owner).get("/images?ImageId=" + imageId).asString());
    }

    @Test
    void aTakenNameOrATerminatedInstanceIsRefusedAndNothingIsRecorded() {
        String owner = account();
        String taken = uniqueName("base");
        String launchedFrom = register(owner, taken, completedSnapshot(database, owner, 8));
        String instance = running(owner, launchedFrom, 8);
        error(as(owner).body(Map.of("InstanceId", instance, "Name", taken)).post("/images/from-instance"),
                "InvalidAMIName.Duplicate");

        publish("instance-events", instance, stateChanged(instance, owner, launchedFrom, "running",
                "terminated", 3));
        await().atMost(Duration.ofSeconds(30)).until(() -> "terminated".equals(
                scalar(database, "select state from image_instance where instance_id = ?", instance)));
        error(as(owner).body(Map.of("InstanceId", instance, "Name", uniqueName("baked"))).post("/images/from-instance"),
                "IncorrectInstanceState");
        error(as(account()).body(Map.of("InstanceId", instance, "Name", uniqueName("baked")))
                .post("/images/from-instance"), "InvalidInstanceID.NotFound");

        as(owner).get("/images?Owner=self").then().body("Images.ImageId", equalTo(List.of(launchedFrom)));
    }

    /** An instance of {@code owner} launched from {@code imageId}, running, as the launch-service announces it. */
    private String running(String owner, String imageId, int volumeSize) {
        String instance = "i-" + hex(17);
        publish("instance-events", instance, launched(instance, owner, imageId, owner,
                new RootVolume("vol-" + hex(17), "snap-" + hex(17), volumeSize), Instant.now()));
        publish("instance-events", instance, stateChanged(instance, owner, imageId, "pending", "running", 2));
        await().atMost(Duration.ofSeconds(30)).until(() -> "running".equals(
                scalar(database, "select state from image_instance where instance_id = ?", instance)));
        return instance;
    }

    private static void announceCompleted(String snapshotId, String owner, int volumeSize) {
        publish("snapshot-events", snapshotId, envelope(new SnapshotCompleted(snapshotId, owner, volumeSize, 3,
                checksum(snapshotId), "SHA256", Instant.now()), "/regions/us-east-1/snapshot-service", 3));
    }
}
