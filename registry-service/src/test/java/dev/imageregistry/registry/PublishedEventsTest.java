package dev.imageregistry.registry;

import static dev.imageregistry.registry.CopyOutcomesTest.eventType;
import static dev.imageregistry.registry.RegistryFixtures.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** What the registry really put on image-events, read as another team would, checked against docs/events. */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "registry"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class PublishedEventsTest {
    @Inject
    DataSource database;

    @Test
    void everyEventOfConcurrentRegistrationsReachesTheTopic() throws Exception {
        String[] owners = new String[8];
        String[] snapshots = new String[8];
        for (int i = 0; i < owners.length; i++) {
            owners[i] = account();
            snapshots[i] = completedSnapshot(database, owners[i], 8);
        }
        String prefix = uniqueName("concurrent");
        java.util.Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(owners.length);
        List<java.util.concurrent.Future<?>> clients = new java.util.ArrayList<>();
        for (int c = 0; c < owners.length; c++) {
            int client = c;
            clients.add(pool.submit(() -> {
                for (int i = 0; i < 25; i++) {
                    ids.add(register(owners[client], prefix + "-" + client + "-" + i, snapshots[client]));
                }
            }));
        }
        for (var client : clients) {
            client.get();
        }
        pool.shutdown();
        try (TopicTap tap = new TopicTap(bootstrap(), "image-events")) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals(java.util.Set.of(),
                    missing(ids, tap.records())));
        }
    }

    private static java.util.Set<String> missing(java.util.Set<String> ids, List<ConsumerRecord<String, String>> records) {
        java.util.Set<String> missing = new java.util.HashSet<>(ids);
        records.forEach(r -> missing.remove(r.key()));
        return missing;
    }

    @Test
    void everyActionPublishesConformingEventsKeyedByImageInOrder() {
        String owner = account();
        String snapshot = completedSnapshot(database, owner, 8);
        Map<String, Object> body = new java.util.HashMap<>(registerBody(uniqueName("events"), snapshot));
        body.put("Description", "published");
        body.put("TagSpecifications", List.of(Map.of("ResourceType", "image", "Tags", List.of(Map.of("Key", "a", "Value", "b")))));
        String imageId = as(owner).body(body).post("/images").then().statusCode(200).extract().path("ImageId");
        String path = "/images/" + imageId;
        as(owner).body(Map.of("Description", Map.of("Value", "changed"))).post(path + "/attributes").then().statusCode(200);
        as(owner).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("UserId", BOB), Map.of("Group", "all")))))
                .post(path + "/attributes").then().statusCode(200);
        as(owner).body(Map.of("LaunchPermission", Map.of("Remove", List.of(Map.of("UserId", BOB)))))
                .post(path + "/attributes").then().statusCode(200);
        as(owner).body(Map.of("Tags", List.of(Map.of("Key", "c", "Value", "")))).post(path + "/tags").then().statusCode(200);
        as(owner).body(Map.of("Tags", List.of(Map.of("Key", "a")))).delete(path + "/tags").then().statusCode(200);
        as(owner).body(Map.of("DeprecateAt", Instant.now().plus(30, ChronoUnit.DAYS).toString())).put(path + "/deprecation")
                .then().statusCode(200);
        as(owner).delete(path + "/deprecation").then().statusCode(200);
        as(owner).post(path + "/disable").then().statusCode(200);
        as(owner).post(path + "/enable").then().statusCode(200);
        as(owner).body(Map.of("WithCooldown", false)).put(path + "/deregistration-protection").then().statusCode(200);
        as(owner).delete(path + "/deregistration-protection").then().statusCode(200);
        as(owner).delete(path + "?DeleteAssociatedSnapshots=true").then().statusCode(200);
        String copyId = as(owner).body(Map.of("SourceRegion", "eu-west-1", "SourceImageId", "ami-" + hex(17),
                "Name", uniqueName("events-copy"), "Description", "a copy")).post("/images/copy").then().statusCode(200)
                .extract().path("ImageId");

        try (TopicTap tap = new TopicTap(bootstrap(), "image-events")) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(List.of("ImageRegistered",
                    "ImageDescriptionChanged", "ImageShared", "ImageUnshared", "ImageTagged", "ImageUntagged",
                    "ImageDeprecated", "ImageDeprecationCancelled", "ImageUnshared", "ImageDisabled", "ImageEnabled",
                    "ImageDeregistrationProtectionChanged", "ImageDeregistrationProtectionChanged", "ImageDeregistered"),
                    tap.recordsWithKey(imageId).stream().map(r -> eventType(r.value())).toList()));
            await().atMost(Duration.ofSeconds(30)).until(() -> tap.recordsWithKey(copyId).size() == 1);
            List<ConsumerRecord<String, String>> records = tap.recordsWithKey(imageId);
            long version = 0;
            for (ConsumerRecord<String, String> record : records) {
                EventContract.assertConforms(record.value());
                EventEnvelope envelope = EventJson.read(record.value());
                assertEquals(++version, envelope.aggregateversion());
                assertEquals(imageId, envelope.subject());
                assertEquals("/regions/us-east-1/registry-service", envelope.source());
            }
            EventContract.assertConforms(tap.recordsWithKey(copyId).get(0).value());
            EventEnvelope deregistered = EventJson.read(records.get(records.size() - 1).value());
            assertEquals(true, deregistered.data().get("deleteSnapshots").asBoolean());
            assertEquals(snapshot, deregistered.data().get("snapshotIds").get(0).asText());
            assertEquals(owner, deregistered.data().get("ownerId").asText());
        }
    }
}
