package dev.imageregistry.snapshot.domain;

import static dev.imageregistry.infra.testing.Decisions.given;
import static dev.imageregistry.infra.testing.Decisions.givenNothing;
import static dev.imageregistry.infra.testing.Decisions.refusalOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import dev.imageregistry.snapshot.domain.CopySnapshot.TagSpecification;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotBlocksRecorded;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCompleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCopyRequested;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotDeleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotFailed;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotTagged;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;

/**
 * CopySnapshot, decided without a server: the request's parameters, the pending snapshot, and what the
 * region-replicator's answers (the copy's parts, or its failure) make of it, once.
 */
class CopySnapshotTest {
    private static final String ID = "snap-0123456789abcdef0";
    private static final String SOURCE = "snap-0000000000000000b";
    private static final String OWNER = "111122223333";
    private static final String OTHER = "444455556666";
    private static final Instant REQUESTED = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-01-01T00:10:00.123Z");

    private static final SnapshotCopyRequested REQUESTED_COPY = new SnapshotCopyRequested(ID, OWNER, "eu-west-1",
            SOURCE, "nightly copy", List.of(new Tag("team", "os")), REQUESTED);
    private static final List<MappedBlock> BLOCKS = List.of(mapped(0, 1), mapped(7, 2), mapped(4095, 3));
    private static final String AGGREGATE = BlockMapParts.mapChecksum(BLOCKS).base64();
    private static final SnapshotCopy DELIVERED = new SnapshotCopy(ID, OWNER, 2, "Copied by the replicator",
            AGGREGATE, SOURCE, "eu-west-1", BLOCKS);
    private static final SnapshotCompleted COMPLETED = new SnapshotCompleted(ID, OWNER, 2, null, 3, AGGREGATE,
            "SHA256", "nightly copy", NOW, SOURCE, "eu-west-1");
    private static final StateReason NOT_FOUND = new StateReason("InvalidSnapshot.NotFound",
            "The snapshot 'snap-0000000000000000b' does not exist.");

    // The request

    @Test
    void aCopyRequestedIsTheCallersPendingSnapshotWithItsDescriptionAndTags() {
        CopySnapshot command = CopySnapshot.of("eu-west-1", SOURCE, "nightly copy",
                List.of(new TagSpecification("snapshot", List.of(new Tag("team", "os")))));
        givenNothing().when(nothing -> Snapshot.requestCopy(ID, OWNER, command, REQUESTED)).then(REQUESTED_COPY);
        Snapshot pending = given(Snapshot::fold, REQUESTED_COPY).state();
        assertEquals(new Snapshot(ID, OWNER, 0, null, "nightly copy", Map.of("team", "os"), SnapshotState.PENDING, 1,
                new Snapshot.CopySource("eu-west-1", SOURCE)), pending, "no size until the copy completes");
        // A same-Region source is asked for the same way (the replicator decides), and no tags is none.
        assertEquals(List.of(), CopySnapshot.of("us-east-1", SOURCE, null, null).tags());
    }

    @Test
    void theParametersAreCheckedAsEc2ChecksThem() {
        assertEquals("MissingParameter", refused(null, SOURCE, null, null));
        assertEquals("MissingParameter", refused("eu-west-1", null, null, null));
        assertEquals("MissingParameter", refused("", SOURCE, null, null));
        assertEquals("InvalidParameterValue", refused("Europe", SOURCE, null, null));
        assertEquals("InvalidParameterValue", refused("eu-west", SOURCE, null, null));
        assertEquals("InvalidSnapshotID.Malformed", refused("eu-west-1", "snap-123", null, null));
        assertEquals("InvalidSnapshotID.Malformed", refused("eu-west-1", "vol-0123456789abcdef0", null, null));
        // Well formed, but of the older 8-digit shape: no Region of this registry has such a snapshot.
        assertEquals("InvalidSnapshot.NotFound", refused("eu-west-1", "snap-0123abcd", null, null));
        assertEquals("InvalidParameterValue", refused("eu-west-1", SOURCE, "d".repeat(256), null));
        assertEquals(255, CopySnapshot.of("eu-west-1", SOURCE, "d".repeat(255), null).description().length());
    }

    @Test
    void tagsAreTheSnapshotsOnlyAndFollowEc2sTagRules() {
        assertEquals("InvalidParameterValue", refused("eu-west-1", SOURCE, null,
                List.of(new TagSpecification("image", List.of(new Tag("k", "v"))))));
        assertEquals("MissingParameter", refused("eu-west-1", SOURCE, null,
                List.of(new TagSpecification(null, List.of(new Tag("k", "v"))))));
        for (Tag bad : List.of(new Tag("aws:name", "v"), new Tag("", "v"), new Tag("k".repeat(129), "v"),
                new Tag("k", "v".repeat(257)))) {
            assertEquals("InvalidParameterValue", refused("eu-west-1", SOURCE, null,
                    List.of(new TagSpecification("snapshot", List.of(bad)))), bad.toString());
        }
        List<Tag> fiftyOne = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            fiftyOne.add(new Tag("k" + i, "v"));
        }
        assertEquals("TagLimitExceeded", refused("eu-west-1", SOURCE, null,
                List.of(new TagSpecification("snapshot", fiftyOne))));
        assertEquals(50, CopySnapshot.of("eu-west-1", SOURCE, null,
                List.of(new TagSpecification("snapshot", fiftyOne.subList(0, 50)))).tags().size());
        // A tag without a value gets an empty one; a key named twice keeps its last value.
        assertEquals(List.of(new Tag("a", ""), new Tag("b", "2")), CopySnapshot.of("eu-west-1", SOURCE, null,
                List.of(new TagSpecification("snapshot", List.of(new Tag("a", null), new Tag("b", "1"))),
                        new TagSpecification("snapshot", List.of(new Tag("b", "2"))))).tags());
    }

    // The replicator's answers

    @Test
    void theLastPartCompletesThePendingCopyWithItsMapSizeAndLineage() {
        given(Snapshot::fold, REQUESTED_COPY).when(s -> s.copied(() -> DELIVERED, NOW)).then(
                new SnapshotBlocksRecorded(ID, OWNER, 2, 1, 1, BLOCKS, AGGREGATE), COMPLETED);
        Snapshot completed = given(Snapshot::fold, REQUESTED_COPY,
                new SnapshotBlocksRecorded(ID, OWNER, 2, 1, 1, BLOCKS, AGGREGATE), COMPLETED).state();
        assertEquals(SnapshotState.COMPLETED, completed.state());
        assertEquals(2, completed.volumeSize(), "the size is the copy's, known on completion");
        assertEquals(Map.of("team", "os"), completed.tags());
    }

    @Test
    void aCopyThatFailedMakesThePendingSnapshotError() {
        given(Snapshot::fold, REQUESTED_COPY).when(s -> s.copyFailed(NOT_FOUND))
                .then(new SnapshotFailed(ID, OWNER, NOT_FOUND));
        assertEquals(SnapshotState.ERROR, given(Snapshot::fold, REQUESTED_COPY, new SnapshotFailed(ID, OWNER,
                NOT_FOUND)).state().state());
    }

    @Test
    void aMapThatDoesNotAddUpOrACopyOfSomethingElseFailsItAndIsNeverServed() {
        List<MappedBlock> unordered = List.of(mapped(7, 1), mapped(0, 2));
        SnapshotCopy outOfOrder = new SnapshotCopy(ID, OWNER, 2, null, BlockMapParts.mapChecksum(unordered).base64(),
                SOURCE, "eu-west-1", unordered);
        assertEquals("ChecksumMismatch", failedWith(outOfOrder));
        SnapshotCopy wrongChecksum = new SnapshotCopy(ID, OWNER, 2, null, BlockMapParts.mapChecksum(
                List.of(mapped(0, 9))).base64(), SOURCE, "eu-west-1", BLOCKS);
        assertEquals("ChecksumMismatch", failedWith(wrongChecksum));
        for (SnapshotCopy other : List.of(
                new SnapshotCopy(ID, OTHER, 2, null, AGGREGATE, SOURCE, "eu-west-1", BLOCKS),
                new SnapshotCopy(ID, OWNER, 2, null, AGGREGATE, "snap-0000000000000000c", "eu-west-1", BLOCKS),
                new SnapshotCopy(ID, OWNER, 2, null, AGGREGATE, SOURCE, "us-west-2", BLOCKS))) {
            assertEquals("InvalidSnapshot.Mismatch", failedWith(other));
        }
    }

    @Test
    void aRedeliveredOrLateAnswerChangesNothing() {
        SnapshotBlocksRecorded recorded = new SnapshotBlocksRecorded(ID, OWNER, 2, 1, 1, BLOCKS, AGGREGATE);
        SnapshotFailed failed = new SnapshotFailed(ID, OWNER, NOT_FOUND);
        SnapshotDeleted deleted = new SnapshotDeleted(ID, OWNER);
        // The map is not even reassembled for a copy that awaits nothing any more.
        given(Snapshot::fold, REQUESTED_COPY, recorded, COMPLETED).when(s -> s.copied(unread(), NOW)).thenNothing();
        given(Snapshot::fold, REQUESTED_COPY, failed).when(s -> s.copied(unread(), NOW)).thenNothing();
        given(Snapshot::fold, REQUESTED_COPY, deleted).when(s -> s.copied(unread(), NOW)).thenNothing();
        given(Snapshot::fold, REQUESTED_COPY, recorded, COMPLETED).when(s -> s.copyFailed(NOT_FOUND)).thenNothing();
        given(Snapshot::fold, REQUESTED_COPY, failed).when(s -> s.copyFailed(NOT_FOUND)).thenNothing();
        given(Snapshot::fold, REQUESTED_COPY, deleted).when(s -> s.copyFailed(NOT_FOUND)).thenNothing();
        // A snapshot that is no CopySnapshot's (uploaded here) is never filled or failed by a copy's answer.
        SnapshotEvent.SnapshotStarted uploaded = new SnapshotEvent.SnapshotStarted(ID, OWNER, 2, null, null,
                List.of(), REQUESTED);
        given(Snapshot::fold, uploaded).when(s -> s.copied(unread(), NOW)).thenNothing();
        given(Snapshot::fold, uploaded).when(s -> s.copyFailed(NOT_FOUND)).thenNothing();
    }

    @Test
    void thePendingCopyIsTheCopysAloneButItsOwnerMayTagOrDeleteIt() {
        given(Snapshot::fold, REQUESTED_COPY).when(s -> s.acceptBlock(OWNER, 0)).thenRefused("IncorrectState");
        given(Snapshot::fold, REQUESTED_COPY).when(s -> s.complete(OWNER, CompleteSnapshot.of(0L, null, null, null),
                () -> {
                    throw new AssertionError("a pending copy's map is never read for CompleteSnapshot");
                }, NOW)).thenRefused("IncorrectState");
        given(Snapshot::fold, REQUESTED_COPY).when(s -> s.timeOut(NOW.plusSeconds(86_400 * 30), null)).thenNothing();
        given(Snapshot::fold, REQUESTED_COPY).when(s -> s.acceptBlock(OTHER, 0)).thenRefused("InvalidSnapshot.NotFound");
        given(Snapshot::fold, REQUESTED_COPY).when(s -> s.tag(OWNER, List.of(new Tag("env", "test"))))
                .then(new SnapshotTagged(ID, OWNER, List.of(new Tag("env", "test"))));
        // As on EC2, a snapshot still being copied may be deleted; here it is gone at once, and the copy's late
        // answer is left alone (aRedeliveredOrLateAnswerChangesNothing).
        given(Snapshot::fold, REQUESTED_COPY).when(s -> s.delete(OWNER, List.of())).then(new SnapshotDeleted(ID, OWNER));
        given(Snapshot::fold, REQUESTED_COPY).when(s -> s.delete(OTHER, List.of()))
                .thenRefused("InvalidSnapshot.NotFound");
    }

    private static String failedWith(SnapshotCopy copy) {
        var decided = given(Snapshot::fold, REQUESTED_COPY).when(s -> s.copied(() -> copy, NOW)).thenEvents();
        assertEquals(1, decided.size(), decided::toString);
        return ((SnapshotFailed) decided.get(0)).stateReason().code();
    }

    private static String refused(String region, String source, String description,
            List<TagSpecification> specifications) {
        return refusalOf(() -> CopySnapshot.of(region, source, description, specifications)).code();
    }

    private static Supplier<SnapshotCopy> unread() {
        return () -> {
            throw new AssertionError("the delivered map is read only for a copy still pending");
        };
    }

    private static MappedBlock mapped(int index, long seed) {
        byte[] data = new byte[BlockChecksum.BLOCK_SIZE];
        for (int i = 0; i < 8; i++) {
            data[i] = (byte) (seed >>> (8 * i));
        }
        return new MappedBlock(index, BlockChecksum.of(data).base64());
    }
}
