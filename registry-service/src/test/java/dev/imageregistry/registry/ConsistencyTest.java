package dev.imageregistry.registry;

import static dev.imageregistry.registry.ImageActionsTest.error;
import static dev.imageregistry.registry.RegistryFixtures.*;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.registry.domain.ImageEvent;
import dev.imageregistry.registry.persistence.ImageCatalogue;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** Client-token retries, a lost race against a concurrent writer, and the rebuilt view equal to the live one. */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "registry"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class ConsistencyTest {
    @Inject
    DataSource database;
    @Inject
    EventStore events;
    @Inject
    ImageCatalogue catalogue;

    @Test
    void aRetryWithTheSameClientTokenReturnsTheFirstResultAndChangesNothing() {
        String owner = account();
        String snapshot = completedSnapshot(database, owner, 8);
        Map<String, Object> body = new java.util.HashMap<>(registerBody(uniqueName("token"), snapshot));
        body.put("ClientToken", "retry-" + hex(8));
        String first = as(owner).body(body).post("/images").then().statusCode(200).extract().path("ImageId");
        String second = as(owner).body(body).post("/images").then().statusCode(200).extract().path("ImageId");
        assertEquals(first, second);
        as(owner).get("/images?Owner=self").then().body("Images", hasSize(1));

        body.put("Description", "other parameters");
        error(as(owner).body(body).post("/images"), "IdempotentParameterMismatch");
        body.put("ClientToken", "x".repeat(65));
        error(as(owner).body(body).post("/images"), "InvalidParameterValue");

        Map<String, Object> tags = Map.of("Tags", List.of(Map.of("Key", "k", "Value", "v")), "ClientToken", "tag-once");
        as(owner).body(tags).post("/images/" + first + "/tags").then().statusCode(200);
        as(owner).body(tags).post("/images/" + first + "/tags").then().statusCode(200);
        as(owner).post("/images/" + first + "/disable?ClientToken=off").then().statusCode(200);
        as(owner).post("/images/" + first + "/disable?ClientToken=off").then().statusCode(200);
        assertEquals(List.of("ImageRegistered", "ImageTagged", "ImageDisabled"),
                events.load(first).stream().map(EventEnvelope::type).toList());
    }

    @Test
    void aConcurrentWriterWinsAndTheLoserGetsConcurrentModification() throws Exception {
        String owner = account();
        String imageId = register(owner, uniqueName("race"), completedSnapshot(database, owner, 8));
        CountDownLatch appended = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // The winner appends at the version the loser will also read, and holds its transaction open.
        CompletableFuture<Void> winner = CompletableFuture.runAsync(() -> QuarkusTransaction.requiringNew().run(() -> {
            ImageEvent tagged = new ImageEvent.ImageTagged(imageId, List.of(new ImageEvent.Tag("by", "winner")));
            events.append(imageId, 1, List.of(tagged)).forEach(envelope -> catalogue.apply(envelope, tagged));
            appended.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        appended.await(30, TimeUnit.SECONDS);
        CompletableFuture<Response> loser = CompletableFuture.supplyAsync(() -> as(owner)
                .body(Map.of("Tags", List.of(Map.of("Key", "by", "Value", "loser")))).post("/images/" + imageId + "/tags"));
        // The loser's append waits on the winner's uncommitted (image, version 2) row; then the winner commits.
        await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) scalar(database,
                "select count(*) from pg_locks where not granted")).intValue() > 0);
        release.countDown();
        winner.get(30, TimeUnit.SECONDS);
        loser.get(30, TimeUnit.SECONDS).then().statusCode(409).body("Errors[0].Code", equalTo("ConcurrentModification"));

        assertEquals(2, events.load(imageId).size());
        as(owner).get("/images?ImageId=" + imageId).then().body("Images[0].Tags[0].Value", equalTo("winner"));
    }

    @Test
    void theRebuiltDescribeViewEqualsTheLiveOne() {
        String owner = account();
        String snapshot = completedSnapshot(database, owner, 8);
        String shared = register(owner, uniqueName("rebuild-shared"), snapshot);
        as(owner).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("UserId", BOB), Map.of("Group", "all")))))
                .post("/images/" + shared + "/attributes").then().statusCode(200);
        as(owner).body(Map.of("Tags", List.of(Map.of("Key", "k", "Value", "v")))).post("/images/" + shared + "/tags").then()
                .statusCode(200);
        String disabled = register(owner, uniqueName("rebuild-disabled"), snapshot);
        as(owner).post("/images/" + disabled + "/disable").then().statusCode(200);
        String gone = register(owner, uniqueName("rebuild-gone"), snapshot);
        as(owner).delete("/images/" + gone).then().statusCode(200);
        as(owner).body(Map.of("SourceRegion", "eu-west-1", "SourceImageId", "ami-" + hex(17), "Name",
                uniqueName("rebuild-copy"))).post("/images/copy").then().statusCode(200);

        String live = view();
        // Damage the view so that only a real replay can restore it.
        scalar(database, "update image set name = 'damaged', tags = '{}' where image_id = ? returning 1", shared);
        assertNotEquals(live, view());

        asOperator().post("/admin/read-models/images/rebuild").then().statusCode(200)
                .body("EventsReplayed", greaterThanOrEqualTo(8));
        assertEquals(live, view());
    }

    @Test
    void theRebuiltSnapshotKnowledgeStillValidatesMappings() {
        String owner = account();
        String kept = completedSnapshot(database, owner, 8);
        String deleted = completedSnapshot(database, owner, 8);
        deleteSnapshot(database, owner, deleted);
        scalar(database, "update known_snapshot set state = 'deleted' where snapshot_id = ? returning 1", kept);

        asOperator().post("/admin/read-models/snapshots/rebuild").then().statusCode(200);
        register(owner, uniqueName("after-snapshot-rebuild"), kept);
        error(as(owner).body(registerBody(uniqueName("deleted-snapshot"), deleted)).post("/images"),
                "InvalidSnapshot.NotFound");
        error(asOperator().post("/admin/read-models/launches/rebuild"), "InvalidParameterValue");
    }

    private String view() {
        return (String) scalar(database, "select coalesce(json_agg(i order by image_id), '[]')::text from image i");
    }
}
