package dev.imageregistry.replicator.domain;

import static dev.imageregistry.infra.testing.Decisions.HISTORY_TIME;
import static dev.imageregistry.infra.testing.Decisions.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.replicator.domain.CopyEvent.ImageCopied;
import dev.imageregistry.replicator.domain.CopyEvent.ImageCopyFailed;
import dev.imageregistry.replicator.domain.CopyEvent.ImageCopyProgressed;
import dev.imageregistry.replicator.domain.CopyEvent.SnapshotCopied;
import dev.imageregistry.replicator.domain.CopyEvent.StateReason;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyAssigned;

/** The rules of a copy into this Region, decided by {@link CopyJob} without a server. */
class CopyJobTest {
    static final String COPY = "ami-0123456789abcdef0";
    static final String SOURCE_IMAGE = "ami-0fedcba9876543210";
    static final String SOURCE_SNAPSHOT = "snap-0aaaaaaaaaaaaaaaa";
    static final String OWNER = "111111111111";
    static final String OTHER = "222222222222";
    static final String SOURCE_REGION = "eu-west-1";
    static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(120);
    static final Instant SOON = HISTORY_TIME.plusSeconds(1);
    static final Instant PAST_TIMEOUT = HISTORY_TIME.plus(LOOKUP_TIMEOUT).plusSeconds(1);

    static final ImageCopyRequested REQUESTED = new ImageCopyRequested(COPY, OWNER, SOURCE_REGION, SOURCE_IMAGE,
            "golden", "the golden image", false);
    static final ImageCopyRequested REQUESTED_WITH_TAGS = new ImageCopyRequested(COPY, OWNER, SOURCE_REGION,
            SOURCE_IMAGE, "golden", null, true);

    // --- its history

    @Test
    void aRequestOpensACopyAtTheTimeOfTheRequest() {
        CopyJob job = given(CopyJob::fold, REQUESTED).state();
        assertEquals(CopyJob.COPYING, job.state());
        assertEquals(HISTORY_TIME, job.requestedAt());
        assertEquals(0, job.version(), "the request is the registry's event, not one of the replicator's store");
        assertEquals(0, job.percent());
    }

    @Test
    void aCopyFannedOutFromAnotherRegionContinuesAfterItsAssignment() {
        ImageCopyAssigned assigned = new ImageCopyAssigned(COPY, OWNER, "us-east-1", SOURCE_REGION, SOURCE_IMAGE,
                "golden", null, false, HISTORY_TIME, "us-west-2");
        CopyJob job = given(CopyJob::fold, assigned, REQUESTED).state();
        assertEquals(1, job.version(), "its events follow the assignment on the same aggregate");
    }

    @Test
    void progressAndTheOutcomeAreFoldedFromTheCopysEvents() {
        CopyJob progressed = given(CopyJob::fold, REQUESTED, new ImageCopyProgressed(COPY, 5, 20, 5 * 524288L, 25))
                .state();
        assertEquals(25, progressed.percent());
        assertEquals(1, progressed.version());

        CopyJob failed = given(CopyJob::fold, REQUESTED, failed("InvalidAMIID.NotFound")).state();
        assertEquals(CopyJob.FAILED, failed.state());
        assertEquals("InvalidAMIID.NotFound: gone", failed.stateReason());

        CopyJob completed = given(CopyJob::fold, REQUESTED, copied()).state();
        assertEquals(CopyJob.COMPLETED, completed.state());
        assertEquals(100, completed.percent(), "a copy with nothing to move is complete");
    }

    // --- what a claimed copy does next

    @Test
    void aSourceRegionThisReplicatorDoesNotCopyFromFailsTheCopy() {
        CopySource unknown = new CopySource(false, id -> Optional.empty(), id -> Optional.empty(), false,
                Optional.empty());
        assertFail("InvalidParameterValue", job().nextStep(unknown, SOON, LOOKUP_TIMEOUT));
    }

    @Test
    void anImageNotYetInTheSourceStreamIsWaitedForBriefly() {
        CopyStep step = job().nextStep(source(Optional.empty(), false), SOON, LOOKUP_TIMEOUT);
        assertEquals(new CopyStep.Wait(Duration.ofMillis(500), null), step);
    }

    @Test
    void pastTheLookupTimeoutAnUnreadableStreamIsWaitedForWithTheReasonShown() {
        CopySource troubled = new CopySource(true, id -> Optional.empty(), id -> Optional.empty(), false,
                Optional.of("SaslAuthenticationException: refused"));
        CopyStep step = job().nextStep(troubled, PAST_TIMEOUT, LOOKUP_TIMEOUT);
        assertEquals(new CopyStep.Wait(Duration.ofSeconds(2), "Waiting for the event stream of eu-west-1, which "
                + "cannot be read: SaslAuthenticationException: refused."), step,
                "a stream that cannot be read proves nothing: the copy waits and says why");
    }

    @Test
    void anImageAbsentFromAStreamReadToItsEndAfterTheTimeoutDoesNotExist() {
        CopyStep step = job().nextStep(source(Optional.empty(), true), PAST_TIMEOUT, LOOKUP_TIMEOUT);
        assertFail("InvalidAMIID.NotFound", step);
        assertEquals("The image id '[" + SOURCE_IMAGE + "]' does not exist in eu-west-1.",
                ((CopyStep.Fail) step).message());
    }

    @Test
    void aCallerWhoMayNotLaunchTheSourceIsToldItDoesNotExistAtOnce() {
        SourceImage others = image("available", OTHER, false, Set.of());
        assertFail("InvalidAMIID.NotFound", job().nextStep(source(Optional.of(others), false), SOON, LOOKUP_TIMEOUT));
    }

    @Test
    void anImageSharedWithTheCallerOrPublicIsCopied() {
        SourceImage shared = image("available", OTHER, false, Set.of(OWNER));
        SourceImage everyone = image("available", OTHER, true, Set.of());
        assertInstanceOf(CopyStep.Copy.class, job().nextStep(source(Optional.of(shared), false), SOON, LOOKUP_TIMEOUT));
        assertInstanceOf(CopyStep.Copy.class, job().nextStep(source(Optional.of(everyone), false), SOON,
                LOOKUP_TIMEOUT));
    }

    @Test
    void aPendingSourceIsWaitedForUpToThirtyLookupTimeoutsThenTheCopyFails() {
        SourceImage pending = image("pending", OWNER, false, Set.of());
        assertEquals(new CopyStep.Wait(Duration.ofSeconds(2), null),
                job().nextStep(source(Optional.of(pending), false), PAST_TIMEOUT, LOOKUP_TIMEOUT));
        Instant tooLate = HISTORY_TIME.plus(LOOKUP_TIMEOUT.multipliedBy(30)).plusSeconds(1);
        assertFail("InvalidAMIID.Unavailable", job().nextStep(source(Optional.of(pending), false), tooLate,
                LOOKUP_TIMEOUT));
    }

    @Test
    void aDisabledOrDeregisteredSourceCannotBeCopied() {
        for (String state : List.of("disabled", "deregistered", "failed")) {
            assertFail("InvalidAMIID.Unavailable", job().nextStep(source(Optional.of(image(state, OWNER, false,
                    Set.of())), false), SOON, LOOKUP_TIMEOUT));
        }
    }

    @Test
    void aSnapshotWhoseMapIsNotYetRecordedIsWaitedForThenNotFound() {
        CopySource waiting = new CopySource(true, id -> Optional.of(image("available", OWNER, false, Set.of())),
                id -> Optional.empty(), false, Optional.empty());
        assertEquals(new CopyStep.Wait(Duration.ofMillis(500), null), job().nextStep(waiting, SOON, LOOKUP_TIMEOUT));
        CopySource readToEnd = new CopySource(true, waiting.images(), id -> Optional.empty(), true, Optional.empty());
        assertFail("InvalidSnapshot.NotFound", job().nextStep(readToEnd, PAST_TIMEOUT, LOOKUP_TIMEOUT));
    }

    @Test
    void aBlockMapThatDoesNotMatchItsPublishedChecksumFailsTheCopy() {
        SourceSnapshot tampered = new SourceSnapshot(SOURCE_SNAPSHOT, OWNER, 8,
                SourceSnapshots.checksum("not the map"), SourceSnapshots.blocks(3));
        CopySource source = new CopySource(true, id -> Optional.of(image("available", OWNER, false, Set.of())),
                id -> Optional.of(tampered), false, Optional.empty());
        assertFail("Client.ChecksumMismatch", job().nextStep(source, SOON, LOOKUP_TIMEOUT));
    }

    @Test
    void aLaunchableAvailableImageWithVerifiedMapsIsCopied() {
        SourceSnapshot snapshot = snapshot(3, 8);
        CopySource source = new CopySource(true, id -> Optional.of(image("available", OWNER, false, Set.of())),
                id -> Optional.of(snapshot), false, Optional.empty());
        CopyStep step = job().nextStep(source, SOON, LOOKUP_TIMEOUT);
        assertEquals(List.of(snapshot), ((CopyStep.Copy) step).snapshots());
    }

    // --- what it publishes

    @Test
    void progressIsPublishedWhileTheCopyRuns() {
        given(CopyJob::fold, REQUESTED, new ImageCopyProgressed(COPY, 5, 20, 100, 25))
                .when(CopyJob::progress)
                .then(new ImageCopyProgressed(COPY, 5, 20, 100, 25));
        given(CopyJob::fold, REQUESTED, copied()).when(CopyJob::progress).thenNothing();
    }

    @Test
    void aCopyFailsOnceAndAFinishedCopyStaysAsItEnded() {
        given(CopyJob::fold, REQUESTED)
                .when(job -> job.fail("Client.BlockChecksumMismatch", "block x"))
                .then(new ImageCopyFailed(COPY, SOURCE_IMAGE, SOURCE_REGION,
                        new StateReason("Client.BlockChecksumMismatch", "block x")));
        given(CopyJob::fold, REQUESTED, failed("InvalidAMIID.NotFound")).when(job -> job.fail("X", "y")).thenNothing();
        given(CopyJob::fold, REQUESTED, copied()).when(job -> job.fail("X", "y")).thenNothing();
    }

    @Test
    void theResultPointsTheMappingsAtTheNewSnapshotsAndLeavesTagsBehindUnlessAsked() {
        SourceSnapshot snapshot = snapshot(3, 8);
        List<? extends dev.imageregistry.platform.events.DomainEvent> events = given(CopyJob::fold, REQUESTED)
                .when(job -> job.complete(imageCopy(snapshot), Map.of(SOURCE_SNAPSHOT, "snap-0bbbbbbbbbbbbbbbb")))
                .thenEvents();
        SnapshotCopied map = (SnapshotCopied) events.get(0);
        assertEquals("snap-0bbbbbbbbbbbbbbbb", map.snapshotId());
        assertEquals(snapshot.mapChecksum(), map.aggregateChecksum());
        assertEquals(8, map.volumeSize());
        assertEquals(3, map.blocks().size());
        ImageCopied copied = (ImageCopied) events.get(1);
        assertEquals("snap-0bbbbbbbbbbbbbbbb", copied.blockDeviceMappings().at("/0/ebs/snapshotId").asText());
        assertEquals("x86_64", copied.architecture());
        assertNull(copied.tags(), "tags are copied only when asked");

        ImageCopied withTags = (ImageCopied) given(CopyJob::fold, REQUESTED_WITH_TAGS)
                .when(job -> job.complete(imageCopy(snapshot), Map.of(SOURCE_SNAPSHOT, "snap-0bbbbbbbbbbbbbbbb")))
                .thenEvents().get(1);
        assertEquals("team", withTags.tags().at("/0/key").asText());
    }

    @Test
    void aLargeBlockMapIsPublishedInPartsAndASizelessSnapshotTakesItsMappingsSize() {
        SourceSnapshot large = snapshot(CopyJob.BLOCKS_PER_PART + 1, 0);
        List<? extends dev.imageregistry.platform.events.DomainEvent> events = given(CopyJob::fold, REQUESTED)
                .when(job -> job.complete(imageCopy(large), Map.of(SOURCE_SNAPSHOT, "snap-0bbbbbbbbbbbbbbbb")))
                .thenEvents();
        assertEquals(3, events.size());
        SnapshotCopied first = (SnapshotCopied) events.get(0);
        SnapshotCopied second = (SnapshotCopied) events.get(1);
        assertEquals(List.of(1, 2), List.of(first.part(), second.part()));
        assertEquals(List.of(2, 2), List.of(first.parts(), second.parts()));
        assertEquals(CopyJob.BLOCKS_PER_PART, first.blocks().size());
        assertEquals(1, second.blocks().size());
        assertEquals(16, first.volumeSize(), "the size in the source image's mapping");
    }

    @Test
    void aFinishedCopyPublishesNoSecondResult() {
        given(CopyJob::fold, REQUESTED, failed("InvalidAMIID.NotFound"))
                .when(job -> job.complete(imageCopy(snapshot(1, 8)),
                        Map.of(SOURCE_SNAPSHOT, "snap-0bbbbbbbbbbbbbbbb")))
                .thenNothing();
    }

    // --- fixtures

    private static CopyJob job() {
        return given(CopyJob::fold, REQUESTED).state();
    }

    private static CopyStep.Copy imageCopy(SourceSnapshot snapshot) {
        return new CopyStep.Copy(image("available", OWNER, false, Set.of()), List.of(snapshot));
    }

    private static CopySource source(Optional<SourceImage> image, boolean readToEnd) {
        SourceSnapshot snapshot = snapshot(2, 8);
        return new CopySource(true, id -> image, id -> Optional.of(snapshot), readToEnd, Optional.empty());
    }

    private static ImageCopyFailed failed(String code) {
        return new ImageCopyFailed(COPY, SOURCE_IMAGE, SOURCE_REGION, new StateReason(code, "gone"));
    }

    private static ImageCopied copied() {
        return new ImageCopied(COPY, SOURCE_IMAGE, SOURCE_REGION, List.of(), "x86_64", "/dev/xvda", null, null, null,
                null, null, null, 0, 0);
    }

    private static SourceImage image(String state, String owner, boolean isPublic, Set<String> sharedWith) {
        JsonNode attributes = EventJson.MAPPER.createObjectNode()
                .put("architecture", "x86_64").put("rootDeviceName", "/dev/xvda")
                .set("blockDeviceMappings", EventJson.MAPPER.createArrayNode().add(EventJson.MAPPER.createObjectNode()
                        .put("deviceName", "/dev/xvda").set("ebs", EventJson.MAPPER.createObjectNode()
                                .put("snapshotId", SOURCE_SNAPSHOT).put("volumeSize", 16))));
        ((com.fasterxml.jackson.databind.node.ObjectNode) attributes).set("tags", EventJson.MAPPER.createArrayNode()
                .add(EventJson.MAPPER.createObjectNode().put("key", "team").put("value", "platform")));
        return new SourceImage(SOURCE_REGION, SOURCE_IMAGE, owner, state, isPublic, sharedWith, attributes);
    }

    private static SourceSnapshot snapshot(int blockCount, int volumeSize) {
        return SourceSnapshots.of(SOURCE_SNAPSHOT, OWNER, blockCount, volumeSize);
    }

    private static void assertFail(String code, CopyStep step) {
        assertInstanceOf(CopyStep.Fail.class, step, () -> "expected the copy to fail with " + code + ", got " + step);
        assertEquals(code, ((CopyStep.Fail) step).code());
        assertTrue(!((CopyStep.Fail) step).message().isBlank());
    }
}
