package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.TopicTap;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The registry's image events, played by the test: in-use refusal, reading through shared images, rebuild, deregistration. */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class ImageUsageTest {

    @Inject
    DataSource db;

    @Test
    void aSnapshotAnImageUsesCannotBeDeleted() {
        String snapshot = snapshotOf(OWNER, null, block(1001));
        String image = imageId();
        imageRegistered(image, OWNER, snapshot);
        await().atMost(Duration.ofSeconds(20)).until(() -> readModel().contains("snapshot " + image + " " + snapshot));
        given().auth().oauth2(token(OWNER))
                .delete("/snapshots/" + snapshot).then().statusCode(400)
                .body("Errors[0].Code", is("InvalidSnapshot.InUse"), "Errors[0].Message", containsString(image));
        // The refusal changed nothing.
        given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", snapshot).get("/snapshots").then()
                .body("Snapshots[0].Status", is("completed"));
        imageDeregistered(image, 2, OWNER, false, snapshot);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(token(OWNER))
                .delete("/snapshots/" + snapshot).then().statusCode(200));
        given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", snapshot).get("/snapshots").then()
                .statusCode(400).body("Errors[0].Code", is("InvalidSnapshot.NotFound"));
    }

    @Test
    void thoseWhoMayLaunchASharedImageMayReadItsSnapshots() {
        byte[] data = block(1101);
        String snapshot = snapshotOf(OWNER, null, data);
        notFound(given().auth().oauth2(token(OTHER)).get("/snapshots/" + snapshot + "/blocks/0"));
        String image = imageId();
        imageRegistered(image, OWNER, snapshot);
        imageShared(image, 2, OTHER);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertArrayEquals(data,
                given().auth().oauth2(token(OTHER)).get("/snapshots/" + snapshot + "/blocks/0").then().statusCode(200)
                        .extract().asByteArray()));
        given().auth().oauth2(token(OTHER)).queryParam("SnapshotId", snapshot).get("/snapshots").then()
                .body("Snapshots.SnapshotId", contains(snapshot));
        notFound(given().auth().oauth2(token(STRANGER)).get("/snapshots/" + snapshot + "/blocks/0"));
        // Reading is not owning: the grantee cannot delete.
        given().auth().oauth2(token(OTHER)).delete("/snapshots/" + snapshot).then().statusCode(400)
                .body("Errors[0].Code", is("InvalidSnapshot.NotFound"));
    }

    @Test
    void deregisteringWithDeleteSnapshotsDeletesOnlyUnusedOnes() {
        String onlyHere = snapshotOf(OWNER, null, block(1201));
        String sharedWithOtherImage = snapshotOf(OWNER, null, block(1202));
        String image = imageId();
        String otherImage = imageId();
        imageRegistered(image, OWNER, onlyHere, sharedWithOtherImage);
        imageRegistered(otherImage, OWNER, sharedWithOtherImage);
        imageDeregistered(image, 2, OWNER, true, onlyHere, sharedWithOtherImage);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(token(OWNER))
                .queryParam("SnapshotId", onlyHere).get("/snapshots").then().statusCode(400));
        given().auth().oauth2(token(OWNER)).queryParam("SnapshotId", sharedWithOtherImage).get("/snapshots").then()
                .statusCode(200).body("Snapshots[0].Status", is("completed"));
        try (TopicTap tap = new TopicTap(bootstrap(), "snapshot-events")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(tap.recordsWithKey(onlyHere).stream()
                    .anyMatch(r -> r.value().contains("\"SnapshotDeleted\""))));
        }
    }

    @Test
    void theRebuiltReadModelEqualsTheLiveOne() throws Exception {
        String snapshot = snapshotOf(OWNER, null, block(1301));
        String image = imageId();
        imageRegistered(image, OWNER, snapshot);
        imageShared(image, 2, OTHER, STRANGER);
        await().atMost(Duration.ofSeconds(20)).until(() -> readModel().contains("permission " + image + " " + STRANGER));
        await().atMost(Duration.ofSeconds(20)).until(() -> consumerCaughtUp());
        List<String> live = readModel();
        given().auth().oauth2(operatorToken()).post("/admin/read-models/image-usage/rebuild").then().statusCode(200)
                .body("EventsReplayed", greaterThan(0));
        assertEquals(live, readModel());
        given().auth().oauth2(operatorToken()).post("/admin/read-models/nothing/rebuild").then().statusCode(400);
    }

    /** Every event on image-events has been applied by the live consumer. */
    private boolean consumerCaughtUp() throws Exception {
        try (TopicTap tap = new TopicTap(bootstrap(), "image-events")) {
            long published = tap.records().size();
            return published == count("select count(*) from applied_event where read_model = 'image-usage'");
        }
    }

    private long count(String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<String> readModel() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("select image_id, owner_id, disabled from image_usage order by 1")) {
                while (rs.next()) {
                    rows.add("image " + rs.getString(1) + " " + rs.getString(2) + " " + rs.getBoolean(3));
                }
            }
            try (ResultSet rs = s.executeQuery("select image_id, snapshot_id from image_usage_snapshot order by 1, 2")) {
                while (rs.next()) {
                    rows.add("snapshot " + rs.getString(1) + " " + rs.getString(2));
                }
            }
            try (ResultSet rs = s.executeQuery("select image_id, grantee from image_usage_permission order by 1, 2")) {
                while (rs.next()) {
                    rows.add("permission " + rs.getString(1) + " " + rs.getString(2));
                }
            }
        }
        return rows;
    }
}
