package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Content-addressed storage: one object per distinct block, freed only when nothing references it (grace 5 s in tests). */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class GarbageCollectionTest {

    @Test
    void aBlockWrittenByManySnapshotsIsStoredOnce() {
        byte[] shared = block(2001);
        String first = snapshotOf(OWNER, null, shared, block(2002));
        int before = objectKeys().size();
        String second = snapshotOf(OTHER, null, shared, shared, shared);
        assertEquals(before, objectKeys().size(), "identical blocks add no objects");
        assertTrue(objectKeys().contains("blocks/" + hex(shared)));
        assertNotEquals(first, second);
    }

    @Test
    void collectionFreesOnlyUnreferencedBlocksAndDryRunDeletesNothing() {
        byte[] shared = block(2101);
        byte[] onlyInA = block(2102);
        byte[] onlyInB = block(2103);
        String b = snapshotOf(OWNER, null, shared, onlyInB);
        String a = snapshotOf(OWNER, null, shared, onlyInA);
        given().auth().oauth2(token(OWNER)).delete("/snapshots/" + a).then().statusCode(200);

        // Within the grace window nothing of A is a candidate, not even with a dry run.
        given().auth().oauth2(operatorToken()).queryParam("DryRun", "true").post("/admin/garbage-collection").then()
                .statusCode(200).body("Blocks", not(hasItem(hex(onlyInA))));

        // After it, the dry run lists A's own block and deletes nothing.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(operatorToken())
                .queryParam("DryRun", "true").post("/admin/garbage-collection").then().statusCode(200)
                .body("DryRun", is(true), "Deleted", is(0), "Blocks", hasItem(hex(onlyInA)),
                        "Blocks", not(hasItem(hex(shared))), "Blocks", not(hasItem(hex(onlyInB)))));
        assertTrue(objectKeys().contains("blocks/" + hex(onlyInA)), "a dry run deletes nothing");

        List<String> deleted = given().auth().oauth2(operatorToken()).post("/admin/garbage-collection").then()
                .statusCode(200).extract().path("Blocks");
        assertTrue(deleted.contains(hex(onlyInA)));
        List<String> keys = objectKeys();
        assertFalse(keys.contains("blocks/" + hex(onlyInA)));
        assertTrue(keys.contains("blocks/" + hex(shared)), "a block another snapshot uses survives");
        assertTrue(keys.contains("blocks/" + hex(onlyInB)));
        assertArrayEquals(shared, given().auth().oauth2(token(OWNER)).get("/snapshots/" + b + "/blocks/0").then()
                .statusCode(200).extract().asByteArray());

        // A later write of the collected content stores it again.
        String c = snapshotOf(OWNER, null, onlyInA);
        assertTrue(objectKeys().contains("blocks/" + hex(onlyInA)));
        assertArrayEquals(onlyInA, given().auth().oauth2(token(OWNER)).get("/snapshots/" + c + "/blocks/0").then()
                .statusCode(200).extract().asByteArray());
    }

    @Test
    void blocksOfARunningUploadAreNeverCollected() {
        byte[] data = block(2201);
        String pending = start(OWNER, 1, null);
        put(OWNER, pending, 0, data);
        // Referenced by a pending snapshot's map: safe however old.
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().auth().oauth2(operatorToken()).post("/admin/garbage-collection").then().statusCode(200)
                        .body("Blocks", not(hasItem(hex(data)))));
        assertTrue(objectKeys().contains("blocks/" + hex(data)));
        assertEquals("completed", complete(OWNER, pending, 1, aggregate(List.of(data))));
        given().auth().oauth2(operatorToken()).queryParam("DryRun", "maybe").post("/admin/garbage-collection").then()
                .statusCode(400);
    }
}
