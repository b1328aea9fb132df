package dev.imageregistry.registry;

import static dev.imageregistry.registry.ImageActionsTest.error;
import static dev.imageregistry.registry.RegistryFixtures.*;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.registry.queries.Ec2Time;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The registry's use of the launch-service's events (played here by publishing them on instance-events): an
 * image's LastLaunchedTime, and the warning of DeregisterImage while instances launched from it still run.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "registry"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class InstanceUsageTest {
    @Inject
    DataSource database;

    @Test
    void deregisteringAnImageInUseWarnsAndLastLaunchedTimeFollowsLaunches() {
        String owner = account();
        String imageId = register(owner, uniqueName("in-use"), completedSnapshot(database, owner, 8));
        as(owner).get("/images?ImageId=" + imageId).then().body("Images[0]", not(hasKey("LastLaunchedTime")));

        Instant first = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
        Instant latest = first.plus(2, ChronoUnit.MINUTES);
        String byOwner = "i-" + hex(17);
        String byOther = "i-" + hex(17);
        String launchedLater = launched(byOther, BOB, imageId, owner, null, latest);
        publish("instance-events", byOther, launchedLater);
        publish("instance-events", byOwner, launched(byOwner, owner, imageId, owner, null, first));
        // A redelivered launch changes nothing.
        publish("instance-events", byOther, launchedLater);
        publish("instance-events", byOther, stateChanged(byOther, BOB, imageId, "pending", "running", 2));
        publish("instance-events", byOwner, stateChanged(byOwner, owner, imageId, "pending", "running", 2));
        publish("instance-events", byOwner, stateChanged(byOwner, owner, imageId, "running", "shutting-down", 3));
        publish("instance-events", byOwner, stateChanged(byOwner, owner, imageId, "shutting-down", "terminated", 4));

        // The latest launch wins, whatever order the launches arrive in.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> as(owner).get("/images?ImageId=" + imageId).then()
                .body("Images[0].LastLaunchedTime", equalTo(Ec2Time.format(latest)))
                .body("Images[0].LastLaunchedTime", matchesPattern(ImageActionsTest.EC2_TIME)));
        await().atMost(Duration.ofSeconds(30)).until(() -> "terminated".equals(
                scalar(database, "select state from image_instance where instance_id = ?", byOwner)));

        as(owner).delete("/images/" + imageId).then().statusCode(200)
                .body("Return", equalTo(true))
                .body("InstancesInUse", equalTo(1))
                .body("Warnings[0].Code", equalTo("ImageInUse"))
                .body("Warnings[0].Message", containsString("1 instance launched from " + imageId + " has not terminated"));
        // The warning does not stop the deregistration.
        error(as(owner).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
    }

    @Test
    void anImageWhoseInstancesAllTerminatedDeregistersWithoutAWarning() {
        String owner = account();
        String unused = register(owner, uniqueName("never-launched"), completedSnapshot(database, owner, 8));
        as(owner).delete("/images/" + unused).then().statusCode(200)
                .body("Return", equalTo(true)).body("$", not(hasKey("Warnings"))).body("$", not(hasKey("InstancesInUse")));

        String imageId = register(owner, uniqueName("all-terminated"), completedSnapshot(database, owner, 8));
        String instance = "i-" + hex(17);
        publish("instance-events", instance, launched(instance, owner, imageId, owner, null, Instant.now()));
        publish("instance-events", instance, stateChanged(instance, owner, imageId, "pending", "terminated", 2));
        await().atMost(Duration.ofSeconds(30)).until(() -> "terminated".equals(
                scalar(database, "select state from image_instance where instance_id = ?", instance)));
        // A stale state change (an older version) does not bring the instance back.
        publish("instance-events", instance, stateChanged(instance, owner, imageId, "pending", "running", 2));
        String marker = "i-" + hex(17);
        publish("instance-events", marker, launched(marker, owner, "ami-" + hex(17), owner, null, Instant.now()));
        await().atMost(Duration.ofSeconds(30)).until(() -> scalar(database,
                "select 1 from image_instance where instance_id = ?", marker) != null);

        as(owner).delete("/images/" + imageId).then().statusCode(200).body("$", not(hasKey("Warnings")));
    }

    @Test
    void theRebuiltInstanceViewIsIdenticalToTheLiveOne() {
        String owner = account();
        String imageId = register(owner, uniqueName("rebuild-instances"), completedSnapshot(database, owner, 8));
        for (int i = 0; i < 3; i++) {
            String instance = "i-" + hex(17);
            publish("instance-events", instance, launched(instance, owner, imageId, owner, null, Instant.now()));
            publish("instance-events", instance, stateChanged(instance, owner, imageId, "pending", "running", 2));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) scalar(database,
                "select count(*) from image_instance where image_id = ? and state = 'running'", imageId)).intValue() == 3);
        String live = view();
        scalar(database, "update image_instance set state = 'terminated' where image_id = ? returning 1", imageId);
        scalar(database, "delete from image_last_launch where image_id = ? returning 1", imageId);
        assertNotEquals(live, view());

        asOperator().post("/admin/read-models/instances/rebuild").then().statusCode(200)
                .body("EventsReplayed", greaterThanOrEqualTo(6));
        assertEquals(live, view());
        as(owner).get("/images?ImageId=" + imageId).then().body("Images[0].LastLaunchedTime", notNullValue());
    }

    private String view() {
        return (String) scalar(database, "select (select coalesce(json_agg(i order by instance_id), '[]') "
                + "from image_instance i)::text || (select coalesce(json_agg(l order by image_id), '[]') "
                + "from image_last_launch l)::text");
    }

}
