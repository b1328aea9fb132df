package dev.imageregistry.launch;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.launch.domain.LaunchableImage;
import dev.imageregistry.launch.persistence.LaunchableImages;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.persistence.Jdbc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * CreateImage's step here and CreateSnapshot, wired: the registry's ImageCreationRequested (played, contract-valid)
 * is answered on instance-events with the root volume's block map, exactly once per snapshot however often it is
 * delivered and not again on a rebuild; an instance that is not the requester's is answered with the failure; the
 * image launches once the registry makes it available. CreateSnapshot and DescribeVolumes on the JSON API. Every
 * rule: domain/RootVolumeSnapshotTest.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "launch"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class VolumeSnapshotsTest {
    private static final String CHECKSUM = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    private final RegistryPlayer registry = new RegistryPlayer();
    private final Api owner = new Api(RegistryPlayer.account());
    private final Api stranger = new Api(RegistryPlayer.account());
    private TopicTap instanceEvents;
    private String snapshot;
    private String instance;
    private String volume;

    @Inject
    Jdbc jdbc;
    @Inject
    LaunchableImages images;

    @BeforeEach
    void launchAnInstance() {
        String image = RegistryPlayer.imageId();
        snapshot = RegistryPlayer.snapshotId();
        registry.snapshotCompleted(snapshot, owner.account(), 2, 10);
        registry.registered(image, owner.account(), snapshot, 2);
        await().atMost(Duration.ofSeconds(15)).until(() -> images.mayLaunch(owner.account(), image)
                && images.snapshotBlockCount(snapshot).isPresent());
        var launched = owner.run(image).statusCode(200).extract();
        instance = launched.path("Instances[0].InstanceId");
        volume = launched.path("Instances[0].BlockDeviceMappings[0].Ebs.VolumeId");
        await().atMost(Duration.ofSeconds(15)).until(() -> owner.state(instance).equals("running"));
        instanceEvents = new TopicTap(RegistryPlayer.bootstrap(), "instance-events");
    }

    @AfterEach
    void closeTap() {
        instanceEvents.close();
    }

    @Test
    void createImageIsAnsweredWithTheRootVolumesBlockMapOncePerSnapshot() {
        // Nothing writes volume blocks yet; two written here show they are read, in index order.
        QuarkusTransaction.requiringNew().run(() -> {
            jdbc.update("insert into volume_block (volume_id, block_index, checksum) values (?, 7, ?)", volume, CHECKSUM);
            jdbc.update("insert into volume_block (volume_id, block_index, checksum) values (?, 3, ?)", volume, CHECKSUM);
        });
        String image = RegistryPlayer.imageId();
        String newSnapshot = RegistryPlayer.snapshotId();
        String request = registry.creationRequested(image, owner.account(), instance, volume, newSnapshot, 2);

        JsonNode taken = awaitTaken(newSnapshot).data();
        assertEquals(instance, taken.get("instanceId").asText());
        assertEquals(volume, taken.get("volumeId").asText());
        assertEquals(owner.account(), taken.get("ownerId").asText());
        assertEquals(snapshot, taken.get("baseSnapshotId").asText());
        assertEquals(image, taken.get("imageId").asText());
        assertEquals(2, taken.get("volumeSize").asInt());
        assertEquals(1, taken.get("part").asInt());
        assertEquals(1, taken.get("parts").asInt());
        assertEquals(List.of(3L, 7L), taken.get("writtenBlocks").findValues("index").stream().map(JsonNode::asLong)
                .toList());
        assertFalse(taken.has("failure"));

        // Redelivered as is, then published again under a new event ID (a producer retrying): nothing more. A
        // second request behind them on the same partition shows both were consumed.
        RegistryPlayer.republish("image-events", image, request);
        registry.creationRequested(image, owner.account(), instance, volume, newSnapshot, 2);
        String later = RegistryPlayer.snapshotId();
        registry.creationRequested(image, owner.account(), instance, volume, later, 2);
        awaitTaken(later);
        assertEquals(1, taken(newSnapshot).size(), "one VolumeSnapshotTaken per snapshot");

        // A rebuild of the read model replays the requests but takes no snapshot again.
        Api.asOperator().post("/admin/read-models/launchable-images/rebuild").then().statusCode(200);
        String marker = RegistryPlayer.snapshotId();
        registry.creationRequested(RegistryPlayer.imageId(), owner.account(), instance, volume, marker, 2);
        awaitTaken(marker);
        assertEquals(1, taken(newSnapshot).size());
        assertEquals(1, taken(later).size());
    }

    @Test
    void theImageMadeFromTheInstanceLaunchesOnceTheRegistryMakesItAvailable() {
        String image = RegistryPlayer.imageId();
        String newSnapshot = RegistryPlayer.snapshotId();
        registry.creationRequested(image, owner.account(), instance, volume, newSnapshot, 2);
        awaitTaken(newSnapshot);
        assertEquals(LaunchableImage.PENDING, images.find(owner.account(), image).orElseThrow().state());
        owner.run(image).statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.Unavailable"));

        registry.snapshotCompleted(newSnapshot, owner.account(), 2, 10);
        registry.available(image, newSnapshot, 2);
        await().atMost(Duration.ofSeconds(15)).until(() -> images.mayLaunch(owner.account(), image));
        owner.run(image).statusCode(200).body("Instances[0].BlockDeviceMappings[0].Ebs.SnapshotId",
                equalTo(newSnapshot));
    }

    @Test
    void anInstanceNotTheRequestersOrUnknownHereIsAnsweredWithTheFailure() {
        String strangers = RegistryPlayer.snapshotId();
        registry.creationRequested(RegistryPlayer.imageId(), stranger.account(), instance, volume, strangers, 2);
        JsonNode refused = awaitTaken(strangers).data();
        assertEquals("InvalidInstanceID.NotFound", refused.at("/failure/code").asText());
        assertEquals(stranger.account(), refused.get("ownerId").asText());
        assertEquals(strangers, refused.get("baseSnapshotId").asText(), "nothing of the owner's volume is told");
        assertEquals(0, refused.get("writtenBlocks").size());

        String unknownInstance = "i-" + RegistryPlayer.hex17();
        String lost = RegistryPlayer.snapshotId();
        String request = registry.creationRequested(RegistryPlayer.imageId(), owner.account(), unknownInstance,
                "vol-" + RegistryPlayer.hex17(), lost, 8);
        EventEnvelope unknown = awaitTaken(lost);
        assertEquals(unknownInstance, unknown.subject());
        assertEquals("InvalidInstanceID.NotFound", unknown.data().at("/failure/code").asText());
        assertEquals(8, unknown.data().get("volumeSize").asInt());
        RegistryPlayer.republish("image-events", EventJson.read(request).subject(), request);
        String marker = RegistryPlayer.snapshotId();
        registry.creationRequested(EventJson.read(request).subject(), owner.account(), unknownInstance,
                "vol-" + RegistryPlayer.hex17(), marker, 8);
        awaitTaken(marker);
        assertEquals(1, taken(lost).size());
    }

    @Test
    void createSnapshotOfTheCallersVolume() {
        var created = owner.as().body(Map.of("Description", "nightly", "TagSpecifications", List.of(Map.of(
                "ResourceType", "snapshot", "Tags", List.of(Map.of("Key", "team", "Value", "os"))))))
                .post("/volumes/" + volume + "/snapshots").then().statusCode(200)
                .body("SnapshotId", matchesPattern("snap-[0-9a-f]{17}")).body("VolumeId", equalTo(volume))
                .body("State", equalTo("pending")).body("VolumeSize", equalTo(2))
                .body("OwnerId", equalTo(owner.account())).body("Description", equalTo("nightly"))
                .body("Tags[0].Key", equalTo("team")).extract();
        String snapshotId = created.path("SnapshotId");
        JsonNode taken = awaitTaken(snapshotId).data();
        assertFalse(taken.has("imageId"));
        assertEquals(snapshot, taken.get("baseSnapshotId").asText());
        assertEquals("os", taken.at("/tags/0/value").asText());

        stranger.as().body(Map.of()).post("/volumes/" + volume + "/snapshots").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidVolume.NotFound"));
        owner.as().body(Map.of()).post("/volumes/vol-" + RegistryPlayer.hex17() + "/snapshots").then()
                .statusCode(400).body("Errors[0].Code", equalTo("InvalidVolume.NotFound"));
        owner.as().body(Map.of()).post("/volumes/vol-123/snapshots").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidVolumeID.Malformed"));
        owner.as().body(Map.of("Description", "d".repeat(256))).post("/volumes/" + volume + "/snapshots").then()
                .statusCode(400).body("Errors[0].Code", equalTo("InvalidParameterValue"));
        assertEquals(1, instanceEvents.recordsWithKey(instance).stream()
                .filter(r -> r.value().contains("\"VolumeSnapshotTaken\"")).count(), "a refusal takes nothing");
    }

    @Test
    void describeVolumesShowsTheCallersRootVolumes() {
        owner.as().queryParam("VolumeId.1", volume).get("/volumes").then().statusCode(200)
                .body("Volumes", hasSize(1)).body("Volumes[0].State", equalTo("in-use"))
                .body("Volumes[0].Size", equalTo(2)).body("Volumes[0].SnapshotId", equalTo(snapshot))
                .body("Volumes[0].Attachments[0].InstanceId", equalTo(instance))
                .body("Volumes[0].Attachments[0].State", equalTo("attached"))
                .body("Volumes[0].Attachments[0].Device", equalTo("/dev/xvda"));
        owner.as().queryParam("Filter.1.Name", "attachment.instance-id").queryParam("Filter.1.Value.1", instance)
                .queryParam("Filter.2.Name", "status").queryParam("Filter.2.Value.1", "in-use").get("/volumes")
                .then().statusCode(200).body("Volumes.VolumeId", contains(volume)).body("NextToken", nullValue());
        owner.as().queryParam("Filter.1.Name", "status").queryParam("Filter.1.Value.1", "available").get("/volumes")
                .then().statusCode(200).body("Volumes", hasSize(0));
        stranger.as().get("/volumes").then().statusCode(200).body("Volumes", hasSize(0));
        stranger.as().queryParam("VolumeId", volume).get("/volumes").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidVolume.NotFound"));
        owner.as().queryParam("VolumeId", "vol-12").get("/volumes").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidVolumeID.Malformed"));
        owner.as().queryParam("Filter.1.Name", "volume-type").queryParam("Filter.1.Value.1", "gp3").get("/volumes")
                .then().statusCode(400).body("Errors[0].Code", equalTo("InvalidParameterValue"));

        owner.action("terminate", List.of(instance)).statusCode(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> owner.state(instance).equals("terminated"));
        // deleted with its instance (DeleteOnTermination), so no longer shown
        owner.as().queryParam("VolumeId", volume).get("/volumes").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidVolume.NotFound"));
        owner.as().body(Map.of()).post("/volumes/" + volume + "/snapshots").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidVolume.NotFound"));
    }

    /** The one VolumeSnapshotTaken of the snapshot, once published; each one read is checked against the contract. */
    private EventEnvelope awaitTaken(String snapshotId) {
        await().atMost(Duration.ofSeconds(20)).until(() -> !taken(snapshotId).isEmpty());
        List<EventEnvelope> taken = taken(snapshotId);
        assertEquals(1, taken.size());
        return taken.get(0);
    }

    private List<EventEnvelope> taken(String snapshotId) {
        return instanceEvents.records().stream().map(record -> {
            EventContract.assertConforms(record.value());
            EventEnvelope event = EventJson.read(record.value());
            assertTrue(record.key().equals(event.subject()), "keyed by the instance ID");
            return event;
        }).filter(e -> e.type().equals("VolumeSnapshotTaken")
                && snapshotId.equals(e.data().get("snapshotId").asText())).toList();
    }
}
