package dev.imageregistry.launch;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.launch.domain.LaunchableImage;
import dev.imageregistry.launch.persistence.LaunchableImages;
import dev.imageregistry.launch.domain.Instance;
import dev.imageregistry.launch.domain.InstanceState;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.launch.persistence.RootVolumes;
import dev.imageregistry.platform.events.EventJson;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The instance state machine as it runs (the transition worker settling each state, the answers' shapes), root
 * volumes, DescribeInstances, image references and what is published. Every state's rules: domain/InstanceTest.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "launch"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class InstanceLifecycleTest {
    private final RegistryPlayer registry = new RegistryPlayer();
    private final Api owner = new Api(RegistryPlayer.account());
    private final Api other = new Api(RegistryPlayer.account());
    private String image;
    private String snapshot;

    @Inject
    LaunchableImages images;
    @Inject
    RootVolumes volumes;
    @Inject
    Jdbc jdbc;

    @BeforeEach
    void registerImage() {
        image = RegistryPlayer.imageId();
        snapshot = RegistryPlayer.snapshotId();
        registry.snapshotCompleted(snapshot, owner.account(), 4, 1234);
        registry.registered(image, owner.account(), snapshot, 4);
        registry.shared(image, List.of(other.account()), List.of());
        awaitApplied(image);
        await().atMost(Duration.ofSeconds(15)).until(() -> images.snapshotBlockCount(snapshot).isPresent());
    }

    @Test
    void pendingBecomesRunningOnceItsCopyOnWriteRootVolumeExists() {
        var launched = owner.run(image).statusCode(200).body("Instances[0].State.Name", equalTo("pending"))
                .body("Instances[0].BlockDeviceMappings[0].Ebs.SnapshotId", equalTo(snapshot))
                .body("Instances[0].BlockDeviceMappings[0].Ebs.VolumeSize", equalTo(4)).extract();
        String instance = launched.path("Instances[0].InstanceId");
        String volumeId = launched.path("Instances[0].BlockDeviceMappings[0].Ebs.VolumeId");
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(instance).equals("running"));

        RootVolumes.Volume volume = volumes.find(volumeId).orElseThrow();
        assertEquals(snapshot, volume.baseSnapshotId());
        assertEquals(4, volume.sizeGib());
        assertEquals(4 * 2048, volume.blockSpan());
        assertEquals(1234L, volume.baseBlockCount());
        assertEquals(0, volumes.ownBlocks(volumeId), "creating a volume copies no block");
        RootVolumes.BlockSource block = volumes.block(volumeId, 100).orElseThrow();
        assertTrue(block.fromSnapshot());
        assertEquals(snapshot, block.snapshotId());
        assertTrue(volumes.block(volumeId, 4 * 2048).isEmpty(), "a block beyond the volume does not exist");

        owner.as().get("/volumes/" + volumeId + "/blocks/100").then().statusCode(200)
                .body("Source", equalTo("snapshot")).body("SnapshotId", equalTo(snapshot))
                .body("SnapshotBlockIndex", equalTo(100));
        owner.as().get("/volumes/" + volumeId + "/blocks/" + 4 * 2048).then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidParameterValue"));
        other.as().get("/volumes/" + volumeId + "/blocks/0").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidVolume.NotFound"));
    }

    @Test
    void stopStartTerminateAndTerminatedStaysVisibleForAWhile() {
        String instance = owner.launchOne(image);
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(instance).equals("running"));

        owner.action("stop", List.of(instance)).statusCode(200)
                .body("StoppingInstances[0].PreviousState.Name", equalTo("running"))
                .body("StoppingInstances[0].CurrentState.Name", equalTo("stopping"))
                .body("StoppingInstances[0].CurrentState.Code", equalTo(64));
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(instance).equals("stopped"));

        owner.action("start", List.of(instance)).statusCode(200)
                .body("StartingInstances[0].PreviousState.Name", equalTo("stopped"))
                .body("StartingInstances[0].CurrentState.Name", equalTo("pending"));
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(instance).equals("running"));

        owner.action("terminate", List.of(instance)).statusCode(200)
                .body("TerminatingInstances[0].PreviousState.Name", equalTo("running"))
                .body("TerminatingInstances[0].CurrentState.Name", equalTo("shutting-down"));
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(instance).equals("terminated"));
        // a refusal of the instance answers as EC2's error (every state's rules: domain/InstanceTest)
        owner.action("start", List.of(instance)).statusCode(400)
                .body("Errors[0].Code", equalTo("IncorrectInstanceState"));
        owner.as().queryParam("InstanceId", instance).get("/instances").then().statusCode(200)
                .body("Reservations[0].Instances[0].StateReason.Code", equalTo("Client.UserInitiatedShutdown"));

        // an hour later it is gone, as on EC2
        QuarkusTransaction.requiringNew().run(() -> jdbc.update(
                "update instance set state_changed_at = ? where instance_id = ?",
                Instant.now().minus(Duration.ofHours(2)), instance));
        owner.as().queryParam("InstanceId", instance).get("/instances").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidInstanceID.NotFound"));
    }

    @Test
    void onlyTheOwnerActsOnAnInstance() {
        String instance = owner.launchOne(image);
        other.action("terminate", List.of(instance)).statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidInstanceID.NotFound"));
        other.as().queryParam("InstanceId", instance).get("/instances").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidInstanceID.NotFound"));
        owner.action("stop", List.of("i-123")).statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidInstanceID.Malformed"));
        // EC2's older IDs (8 hex digits) are well formed: unknown ones are not found, not malformed.
        owner.action("stop", List.of("i-1a2b3c4d")).statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidInstanceID.NotFound"));
        owner.action("terminate", List.of(instance, "i-1a2b3c4d")).statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidInstanceID.NotFound"));
        owner.as().queryParam("InstanceId", "i-1a2b3c4d").get("/instances").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidInstanceID.NotFound"));
        owner.as().get("/volumes/vol-1a2b3c4d/blocks/0").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidVolume.NotFound"));
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(instance).equals("running"));
    }

    @Test
    void runningInstancesKeepRunningWhenTheirImageIsDeregistered() {
        String instance = other.launchOne(image);
        await().atMost(Duration.ofSeconds(10)).until(() -> other.state(instance).equals("running"));
        registry.deregistered(image, owner.account(), snapshot);
        awaitApplied(image);
        other.run(image).statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.NotFound"));
        assertEquals("running", other.state(instance));
        other.as().get("/images/" + image + "/references").then().statusCode(200)
                .body("ImageReferences.ResourceType", contains("ec2:Instance"));
    }

    @Test
    void anInstanceWhoseVolumeCannotBeCreatedEndsTerminatedWithAReason() {
        registry.snapshotDeleted(snapshot, owner.account());
        await().atMost(Duration.ofSeconds(15)).until(() -> images.snapshotDeleted(snapshot));
        String instance = owner.launchOne(image);
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(instance).equals("terminated"));
        owner.as().queryParam("InstanceId", instance).get("/instances").then().statusCode(200)
                .body("Reservations[0].Instances[0].StateReason.Code", equalTo("Client.InvalidSnapshot.NotFound"));
    }

    @Test
    void describeFiltersAndPaginates() {
        Map<String, Object> tagged = Api.request(image, 3, 3);
        tagged.put("TagSpecifications", List.of(Map.of("ResourceType", "instance",
                "Tags", List.of(Map.of("Key", "role", "Value", "web")))));
        List<String> web = owner.run(tagged).statusCode(200).extract().path("Instances.InstanceId");
        List<String> plain = owner.run(Api.request(image, 4, 4)).statusCode(200).extract().path("Instances.InstanceId");
        owner.action("terminate", List.of(plain.get(0))).statusCode(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(plain.get(0)).equals("terminated"));
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(plain.get(1)).equals("running"));

        owner.as().queryParam("Filter.1.Name", "tag:role").queryParam("Filter.1.Value.1", "web").get("/instances")
                .then().statusCode(200).body("Reservations", hasSize(1))
                .body("Reservations[0].Instances.InstanceId", containsInAnyOrder(web.toArray()));
        owner.as().queryParam("Filter.1.Name", "instance-state-name").queryParam("Filter.1.Value.1", "terminated")
                .get("/instances").then().statusCode(200)
                .body("Reservations.Instances.flatten().InstanceId", contains(plain.get(0)));
        owner.as().queryParam("Filter.1.Name", "image-id").queryParam("Filter.1.Value.1", image)
                .queryParam("Filter.2.Name", "instance-state-name").queryParam("Filter.2.Value.1", "pending")
                .queryParam("Filter.2.Value.2", "running").get("/instances").then().statusCode(200)
                .body("Reservations.Instances.flatten()", hasSize(6));
        owner.as().queryParam("Filter.1.Name", "flavour").queryParam("Filter.1.Value.1", "x").get("/instances")
                .then().statusCode(400).body("Errors[0].Code", equalTo("InvalidParameterValue"));

        Set<String> seen = new HashSet<>();
        String token = null;
        int pages = 0;
        do {
            var request = owner.as().queryParam("MaxResults", 5);
            if (token != null) {
                request.queryParam("NextToken", token);
            }
            var page = request.get("/instances").then().statusCode(200).extract();
            List<String> ids = page.path("Reservations.Instances.flatten().InstanceId");
            assertTrue(ids.size() <= 5);
            ids.forEach(id -> assertTrue(seen.add(id), "no instance on two pages"));
            token = page.path("NextToken");
            pages++;
        } while (token != null);
        assertEquals(7, seen.size());
        assertEquals(2, pages);
        owner.as().queryParam("MaxResults", 4).get("/instances").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidParameterValue"));
        owner.as().queryParam("NextToken", "garbage!").get("/instances").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidParameterValue"));
    }

    @Test
    void imageReferencesListOnlyTheCallersInstances() {
        String mine = owner.launchOne(image);
        String theirs = other.launchOne(image);
        owner.as().get("/images/" + image + "/references").then().statusCode(200)
                .body("ImageReferences.Arn", contains("arn:aws:ec2:us-east-1:" + owner.account() + ":instance/" + mine));
        other.as().get("/images/" + image + "/references").then().statusCode(200)
                .body("ImageReferences.Arn", contains("arn:aws:ec2:us-east-1:" + other.account() + ":instance/" + theirs));
        owner.as().get("/images/ami-nope/references").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidAMIID.Malformed"));
        owner.as().get("/images/ami-1a2b3c4d/references").then().statusCode(200).body("ImageReferences", hasSize(0));
        new Api(RegistryPlayer.account()).as().get("/images/" + image + "/references").then().statusCode(200)
                .body("ImageReferences", hasSize(0));
    }

    @Test
    void everyPublishedInstanceEventFollowsTheContract() {
        String instance = owner.launchOne(image);
        await().atMost(Duration.ofSeconds(10)).until(() -> owner.state(instance).equals("running"));
        owner.createTags(instance, Map.of("team", "os", "env", "test")).statusCode(200);
        owner.deleteTags(instance, "[{\"Key\":\"env\"}]").statusCode(200);
        owner.action("terminate", List.of(instance)).statusCode(200);
        try (TopicTap tap = new TopicTap(RegistryPlayer.bootstrap(), "instance-events")) {
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                List<ConsumerRecord<String, String>> records = tap.recordsWithKey(instance);
                List<String> transitions = new ArrayList<>();
                for (ConsumerRecord<String, String> record : records) {
                    EventContract.assertConforms(record.value());
                    var event = EventJson.read(record.value());
                    transitions.add(switch (event.type()) {
                        case "InstanceLaunched" -> "launched";
                        case "InstanceTagged" -> "tagged";
                        case "InstanceUntagged" -> "untagged";
                        default -> event.data().get("previousState").asText() + ">"
                                + event.data().get("currentState").asText();
                    });
                    assertEquals(transitions.size(), event.aggregateversion());
                }
                assertEquals(List.of("launched", "pending>running", "tagged", "untagged", "running>shutting-down",
                        "shutting-down>terminated"), transitions);
            });
            tap.records().forEach(record -> EventContract.assertConforms(record.value()));
            // The stream alone rebuilds the instance, tags included, as DescribeInstances shows it.
            Instance folded = Instance.fold(tap.recordsWithKey(instance).stream().map(r -> EventJson.read(r.value()))
                    .toList());
            assertEquals(Map.of("team", "os"), folded.tags());
            assertEquals(folded.tags(), owner.tags(instance));
            assertEquals(InstanceState.TERMINATED, folded.state());
        }
    }

    @Test
    void aRefusedRunChangesNothing() {
        Api newcomer = new Api(RegistryPlayer.account());
        newcomer.run(image).statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.NotFound"));
        newcomer.as().get("/instances").then().statusCode(200).body("Reservations", hasSize(0))
                .body("NextToken", nullValue());
        assertFalse(images.mayLaunch(newcomer.account(), image));
        assertNull(jdbc.one("select owner_id from instance where owner_id = ?", rs -> rs.getString(1),
                newcomer.account()).orElse(null));
    }

    private void awaitApplied(String imageId) {
        long expected = registry.version(imageId);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertEquals(expected,
                images.find(owner.account(), imageId).map(LaunchableImage::version).orElse(0L)));
    }
}
