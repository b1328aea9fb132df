package dev.imageregistry.registry;

import static dev.imageregistry.registry.RegistryFixtures.*;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.infra.testing.TopicTap;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** CopyImage's registry side, with the region-replicator played by publishing its verdicts on copy-events. */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "registry"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class CopyOutcomesTest {
    private static final String REPLICATOR = "/regions/us-east-1/region-replicator";

    @Test
    void aCopyIsPendingThenAvailableOnceEvenWhenImageCopiedArrivesTwice() {
        String owner = account();
        String source = "ami-" + hex(17);
        String imageId = as(owner).body(Map.of("SourceRegion", "eu-west-1", "SourceImageId", source,
                "Name", uniqueName("copy"), "CopyImageTags", true)).post("/images/copy").then().statusCode(200)
                .extract().path("ImageId");
        as(owner).get("/images?ImageId=" + imageId).then().body("Images[0].State", equalTo("pending"))
                .body("Images[0].SourceImageId", equalTo(source))
                .body("Images[0].SourceImageRegion", equalTo("eu-west-1"));

        String sourceSnapshot = "snap-" + hex(17);
        String copiedSnapshot = "snap-" + hex(17);
        String copied = envelope(new ImageCopied(imageId, source, "eu-west-1",
                List.of(Map.of("sourceSnapshotId", sourceSnapshot, "snapshotId", copiedSnapshot, "volumeSize", 8,
                        "aggregateChecksum", checksum(copiedSnapshot))),
                "x86_64", "/dev/xvda",
                List.of(Map.of("deviceName", "/dev/xvda", "ebs", Map.of("snapshotId", sourceSnapshot, "volumeSize", 8))),
                List.of(Map.of("key", "team", "value", "os"))), REPLICATOR, 5);
        // The same event delivered twice (a redelivery after a consumer crash): applied once.
        publish("copy-events", imageId, copied);
        publish("copy-events", imageId, copied);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> as(owner).get("/images?ImageId=" + imageId).then()
                .body("Images[0].State", equalTo("available"))
                .body("Images[0].BlockDeviceMappings[0].Ebs.SnapshotId", equalTo(copiedSnapshot))
                .body("Images[0].Tags[0].Key", equalTo("team")));
        // A second, later verdict for the same copy is ignored too (it is no longer pending).
        publish("copy-events", imageId, envelope(new ImageCopyFailed(imageId, source, "eu-west-1",
                Map.of("code", "Client.SourceGone", "message", "gone")), REPLICATOR, 6));
        try (TopicTap tap = new TopicTap(bootstrap(), "image-events")) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(List.of("ImageCopyRequested",
                    "ImageAvailable"), tap.recordsWithKey(imageId).stream().map(r -> eventType(r.value())).toList()));
        }
        as(owner).get("/images?ImageId=" + imageId).then().body("Images[0].State", equalTo("available"));
    }

    @Test
    void aCopyAssignedFromAnotherRegionsRequestOpensOnePendingCopyUnderTheGivenIdAndOwner() {
        String owner = account();
        String imageId = "ami-" + hex(17);
        String source = "ami-" + hex(17);
        String name = uniqueName("fan-out");
        String assigned = envelope(new ImageCopyAssigned(imageId, owner, "us-east-1", "eu-west-1", source, name,
                "to every Region", true, Instant.now(), "eu-west-1"), REPLICATOR, 1);
        publish("copy-events", imageId, assigned);
        publish("copy-events", imageId, assigned);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> as(owner).get("/images?ImageId=" + imageId).then()
                .statusCode(200)
                .body("Images[0].State", equalTo("pending"))
                .body("Images[0].OwnerId", equalTo(owner))
                .body("Images[0].Name", equalTo(name))
                .body("Images[0].SourceImageId", equalTo(source))
                .body("Images[0].SourceImageRegion", equalTo("eu-west-1")));
        // Another account cannot see it: the assignment gave the image to its requester only.
        ImageActionsTest.error(as(BOB).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");

        // The owner's name is now taken in this Region: a second assignment with it fails on its own.
        String clash = "ami-" + hex(17);
        publish("copy-events", clash, envelope(new ImageCopyAssigned(clash, owner, "us-east-1", "eu-west-1", source,
                name, null, false, Instant.now(), "eu-west-1"), REPLICATOR, 1));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> as(owner).get("/images?ImageId=" + clash).then()
                .statusCode(200)
                .body("Images[0].State", equalTo("failed"))
                .body("Images[0].StateReason.Code", equalTo("InvalidAMIName.Duplicate")));
        // The failed copy's reason is filterable; the pending copy has none. Both show EC2's fixed members.
        as(owner).get("/images?Owner=self&Filter.1.Name=state-reason-code&Filter.1.Value.1=InvalidAMIName.Duplicate")
                .then().body("Images.ImageId", contains(clash));
        as(owner).get("/images?Owner=self&Filter.1.Name=state-reason-code&Filter.1.Value.1=*.Dup?icate").then()
                .body("Images.ImageId", contains(clash));
        as(owner).get("/images?Owner=self&Filter.1.Name=state-reason-code&Filter.1.Value.1=Client.*").then()
                .body("Images", empty());
        as(owner).queryParam("Owner", "self").queryParam("Filter.1.Name", "state-reason-message")
                .queryParam("Filter.1.Value.1", "*already in use*").get("/images").then()
                .body("Images.ImageId", contains(clash));
        as(owner).queryParam("Owner", "self").queryParam("Filter.1.Name", "state-reason-message")
                .queryParam("Filter.1.Value.1", "already in use").get("/images").then().body("Images", empty());
        as(owner).get("/images?Owner=self&Filter.1.Name=block-device-mapping.encrypted&Filter.1.Value.1=false").then()
                .body("Images", empty());
        as(owner).get("/images?ImageId=" + imageId).then()
                .body("Images[0].ImageLocation", equalTo(owner + "/" + name))
                .body("Images[0].RootDeviceType", equalTo("ebs"))
                .body("Images[0].Hypervisor", equalTo("xen"))
                .body("Images[0].CreationDate", matchesPattern(ImageActionsTest.EC2_TIME));
        try (TopicTap tap = new TopicTap(bootstrap(), "image-events")) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertEquals(List.of("ImageCopyRequested"),
                        tap.recordsWithKey(imageId).stream().map(r -> eventType(r.value())).toList());
                assertEquals(List.of("ImageCopyRequested", "ImageFailed"),
                        tap.recordsWithKey(clash).stream().map(r -> eventType(r.value())).toList());
            });
        }
        // The failed copy never held the name: deregistering it leaves the first copy's name claimed.
        as(owner).delete("/images/" + clash).then().statusCode(200);
        ImageActionsTest.error(as(owner).body(Map.of("SourceRegion", "eu-west-1", "SourceImageId", source,
                "Name", name)).post("/images/copy"), "InvalidAMIName.Duplicate");
    }

    @Test
    void theCopysTraceContinuesFromCopyImageThroughTheVerdictToImageAvailable() throws Exception {
        String owner = account();
        String source = "ami-" + hex(17);
        String traceId = hex(32);
        String imageId = as(owner).header("traceparent", "00-" + traceId + "-" + hex(16) + "-01")
                .body(Map.of("SourceRegion", "eu-west-1", "SourceImageId", source, "Name", uniqueName("traced")))
                .post("/images/copy").then().statusCode(200).extract().path("ImageId");
        // The replicator answers in another trace context of the same trace (its copy span).
        String verdictTraceparent = "00-" + traceId + "-" + hex(16) + "-01";
        String copied = EventJson.write(EventEnvelope.of(new ImageCopied(imageId, source, "eu-west-1", List.of(),
                "x86_64", "/dev/xvda", List.of(), List.of()), REPLICATOR, "us-east-1", 2, Instant.now(),
                verdictTraceparent));
        EventContract.assertConforms(copied);
        publish("copy-events", imageId, copied);
        try (TopicTap tap = new TopicTap(bootstrap(), "image-events")) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                var records = tap.recordsWithKey(imageId);
                assertEquals(List.of("ImageCopyRequested", "ImageAvailable"),
                        records.stream().map(r -> eventType(r.value())).toList());
                for (var record : records) {
                    String traceparent = new com.fasterxml.jackson.databind.ObjectMapper().readTree(record.value())
                            .path("traceparent").asText();
                    assertEquals(traceId, traceparent.split("-")[1], record.value());
                    var header = record.headers().lastHeader("traceparent");
                    assertEquals(traceId, new String(header.value()).split("-")[1]);
                }
            });
        }
    }

    @Test
    void aFailedCopyIsFailedWithTheReplicatorsReason() {
        String owner = account();
        String source = "ami-" + hex(17);
        String imageId = as(owner).body(Map.of("SourceRegion", "eu-west-1", "SourceImageId", source,
                "Name", uniqueName("copy-fails"))).post("/images/copy").then().statusCode(200).extract().path("ImageId");
        publish("copy-events", imageId, envelope(new ImageCopyFailed(imageId, source, "eu-west-1",
                Map.of("code", "Client.SourceGone", "message", "The source image was deregistered.")), REPLICATOR, 3));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> as(owner).get("/images?ImageId=" + imageId).then()
                .body("Images[0].State", equalTo("failed"))
                .body("Images[0].StateReason.Code", equalTo("Client.SourceGone")));
    }

    static String eventType(String json) {
        return dev.imageregistry.platform.events.EventJson.read(json).type();
    }
}
