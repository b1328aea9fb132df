package dev.imageregistry.replicator.domain;

import static dev.imageregistry.infra.testing.Decisions.HISTORY_TIME;
import static dev.imageregistry.infra.testing.Decisions.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.replicator.domain.CopyEvent.Block;
import dev.imageregistry.replicator.domain.CopyEvent.SnapshotCopied;
import dev.imageregistry.replicator.domain.CopyEvent.SnapshotCopyFailed;
import dev.imageregistry.replicator.domain.CopyEvent.SnapshotCopyProgressed;
import dev.imageregistry.replicator.domain.CopyEvent.StateReason;

/**
 * The rules of a CopySnapshot into this Region, decided by {@link CopyJob} without a server: the same job as an
 * image copy, keyed by the new snapshot, with the owner's rule and a result of its own.
 */
class SnapshotCopyJobTest {
    static final String NEW = "snap-0123456789abcdef0";
    static final String SOURCE = "snap-0fedcba9876543210";
    static final String OWNER = "111111111111";
    static final String OTHER = "222222222222";
    static final String SOURCE_REGION = "eu-west-1";
    static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(120);
    static final Instant SOON = HISTORY_TIME.plusSeconds(1);
    static final Instant PAST_TIMEOUT = HISTORY_TIME.plus(LOOKUP_TIMEOUT).plusSeconds(1);
    static final String NOT_FOUND = "The snapshot '" + SOURCE + "' does not exist.";

    static final SnapshotCopyRequested REQUESTED = new SnapshotCopyRequested(NEW, OWNER, SOURCE_REGION, SOURCE,
            "nightly backup");
    static final SnapshotCopyRequested WITHOUT_DESCRIPTION = new SnapshotCopyRequested(NEW, OWNER, SOURCE_REGION,
            SOURCE, null);

    // --- its history

    @Test
    void aRequestOpensACopyKeyedByTheNewSnapshot() {
        CopyJob job = given(CopyJob::fold, REQUESTED).state();
        assertEquals(NEW, job.copyId());
        assertEquals(new CopyOf.Snapshot(SOURCE), job.of());
        assertEquals(CopyJob.COPYING, job.state());
        assertEquals(HISTORY_TIME, job.requestedAt());
        assertEquals(0, job.version(), "the request is the snapshot-service's event, not the replicator's");
        assertEquals(NEW, job.newSnapshotId(), "the copy fills the pending snapshot its request named");
    }

    @Test
    void theLastPartOfTheMapCompletesTheCopyWithItsFigures() {
        CopyJob progressed = given(CopyJob::fold, REQUESTED, new SnapshotCopyProgressed(NEW, 3, 12, 3 * BLOCK, 25))
                .state();
        assertEquals(25, progressed.percent());
        assertEquals(CopyJob.COPYING, progressed.state());

        CopyJob midway = given(CopyJob::fold, REQUESTED, part(1, 2, null, null)).state();
        assertEquals(CopyJob.COPYING, midway.state(), "a first part does not end the copy");

        CopyJob completed = given(CopyJob::fold, REQUESTED, new SnapshotCopyProgressed(NEW, 3, 12, 3 * BLOCK, 25),
                part(1, 2, null, null), part(2, 2, 9L * BLOCK, 3L)).state();
        assertEquals(CopyJob.COMPLETED, completed.state());
        assertEquals(9L * BLOCK, completed.bytesMoved());
        assertEquals(3, completed.blocksSkipped());
        assertEquals(100, completed.percent());
        assertEquals(3, completed.version());
    }

    @Test
    void aFailureEndsTheCopyWithItsReason() {
        CopyJob failed = given(CopyJob::fold, REQUESTED, failed()).state();
        assertEquals(CopyJob.FAILED, failed.state());
        assertEquals("InvalidSnapshot.NotFound: " + NOT_FOUND, failed.stateReason());
    }

    @Test
    void theMapsOfAnImageCopyDoNotEndIt() {
        ImageCopyRequested image = new ImageCopyRequested("ami-0123456789abcdef0", OWNER, SOURCE_REGION,
                "ami-0fedcba9876543210", "golden", null, false);
        SnapshotCopied imagesMap = new SnapshotCopied("ami-0123456789abcdef0", NEW, SOURCE, SOURCE_REGION, OWNER, 8,
                snapshot(OWNER, 2, 8).mapChecksum(), "Copied from " + SOURCE + " in " + SOURCE_REGION, 1, 1,
                List.of(), null, null);
        assertEquals(CopyJob.COPYING, given(CopyJob::fold, image, imagesMap).state().state(),
                "ImageCopied ends an image copy");
    }

    // --- what a claimed copy does next

    @Test
    void theOwnersCompletedSnapshotIsCopied() {
        SourceSnapshot owned = snapshot(OWNER, 3, 8);
        CopyStep step = job().nextStep(source(owned, false), SOON, LOOKUP_TIMEOUT);
        assertEquals(new CopyStep.Copy(null, List.of(owned)), step);
    }

    @Test
    void aSnapshotNotYetInTheSourceStreamIsWaitedFor() {
        assertEquals(new CopyStep.Wait(Duration.ofMillis(500), null),
                job().nextStep(source(null, false), SOON, LOOKUP_TIMEOUT));
        CopySource troubled = new CopySource(true, id -> Optional.empty(), id -> Optional.empty(), false,
                Optional.of("SaslAuthenticationException: refused"));
        assertEquals(new CopyStep.Wait(Duration.ofSeconds(2), "Waiting for the event stream of eu-west-1, which "
                + "cannot be read: SaslAuthenticationException: refused."),
                job().nextStep(troubled, PAST_TIMEOUT, LOOKUP_TIMEOUT),
                "a stream that cannot be read proves nothing: the copy waits and says why");
        assertEquals(new CopyStep.Wait(Duration.ofSeconds(2), "Waiting for the event stream of eu-west-1."),
                job().nextStep(source(null, false), PAST_TIMEOUT, LOOKUP_TIMEOUT),
                "past the timeout, a stream not yet read to its end is still waited for");
    }

    @Test
    void aSnapshotAbsentFromAStreamReadToItsEndPastTheTimeoutDoesNotExist() {
        assertEquals(new CopyStep.Fail("InvalidSnapshot.NotFound", NOT_FOUND),
                job().nextStep(source(null, true), PAST_TIMEOUT, LOOKUP_TIMEOUT));
    }

    @Test
    void anotherAccountsSnapshotDoesNotExistForTheRequesterAtOnce() {
        assertEquals(new CopyStep.Fail("InvalidSnapshot.NotFound", NOT_FOUND),
                job().nextStep(source(snapshot(OTHER, 3, 8), false), SOON, LOOKUP_TIMEOUT),
                "EC2 lets only the owner copy a snapshot, and answers everyone else as if it did not exist");
    }

    @Test
    void aMapThatDoesNotMatchItsPublishedChecksumFailsTheCopy() {
        SourceSnapshot tampered = new SourceSnapshot(SOURCE, OWNER, 8,
                SourceSnapshots.checksum("not the map"), SourceSnapshots.blocks(3));
        CopyStep step = job().nextStep(source(tampered, false), SOON, LOOKUP_TIMEOUT);
        assertInstanceOf(CopyStep.Fail.class, step);
        assertEquals("Client.ChecksumMismatch", ((CopyStep.Fail) step).code());
    }

    @Test
    void aSourceRegionThisReplicatorDoesNotCopyFromFailsTheCopy() {
        CopySource unknown = new CopySource(false, id -> Optional.empty(), id -> Optional.empty(), false,
                Optional.empty());
        CopyStep step = job().nextStep(unknown, SOON, LOOKUP_TIMEOUT);
        assertEquals(new CopyStep.Fail("InvalidParameterValue", "This Region cannot copy from eu-west-1."), step);
    }

    // --- what it publishes

    @Test
    void progressIsTheSnapshotsOwn() {
        given(CopyJob::fold, REQUESTED, new SnapshotCopyProgressed(NEW, 5, 20, 5 * BLOCK, 25))
                .when(CopyJob::progress)
                .then(new SnapshotCopyProgressed(NEW, 5, 20, 5 * BLOCK, 25));
    }

    @Test
    void aFailureNamesTheSourceSnapshotAndRegion() {
        given(CopyJob::fold, REQUESTED)
                .when(job -> job.fail("Client.BlockChecksumMismatch", "block x"))
                .then(new SnapshotCopyFailed(NEW, SOURCE, SOURCE_REGION,
                        new StateReason("Client.BlockChecksumMismatch", "block x")));
    }

    @Test
    void theResultIsTheMapInPartsWithoutAnImageTheLastCarryingTheFigures() {
        SourceSnapshot large = snapshot(OWNER, CopyJob.BLOCKS_PER_PART * 2 + 1, 0);
        List<? extends DomainEvent> events = given(history -> figures(CopyJob.fold(history), 12, 904, 4L * BLOCK),
                REQUESTED)
                .when(job -> job.complete(new CopyStep.Copy(null, List.of(large)), Map.of(SOURCE, NEW)))
                .thenEvents();
        assertEquals(3, events.size(), "8193 blocks in parts of at most 4096");
        List<Block> published = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            SnapshotCopied part = (SnapshotCopied) events.get(i);
            assertNull(part.imageId(), "a CopySnapshot's map belongs to no image");
            assertEquals(NEW, part.aggregateId(), "keyed by the new snapshot");
            assertEquals(NEW, part.snapshotId());
            assertEquals(SOURCE, part.sourceSnapshotId());
            assertEquals(OWNER, part.ownerId());
            assertEquals(large.mapChecksum(), part.aggregateChecksum());
            assertEquals("nightly backup", part.description(), "the description asked for");
            assertEquals(List.of(i + 1, 3), List.of(part.part(), part.parts()));
            assertEquals(5, part.volumeSize(), "no published size: the smallest volume holding 8193 blocks of 512 KiB");
            boolean last = i == events.size() - 1;
            assertEquals(last ? 4L * BLOCK : null, part.bytesMoved());
            assertEquals(last ? 904L : null, part.blocksSkipped());
            published.addAll(part.blocks());
        }
        assertEquals(large.blocks().stream().map(b -> new Block(b.index(), b.checksum())).toList(), published);
    }

    @Test
    void withoutADescriptionTheCopySaysWhereItCameFrom() {
        SnapshotCopied only = (SnapshotCopied) given(CopyJob::fold, WITHOUT_DESCRIPTION)
                .when(job -> job.complete(new CopyStep.Copy(null, List.of(snapshot(OWNER, 2, 8))), Map.of(SOURCE, NEW)))
                .thenEvents().get(0);
        assertEquals("Copied from " + SOURCE + " in eu-west-1", only.description());
        assertEquals(8, only.volumeSize(), "the size the source published");
        assertEquals(List.of(1, 1), List.of(only.part(), only.parts()));
        assertEquals(0L, only.bytesMoved());
        assertEquals(0L, only.blocksSkipped());
    }

    @Test
    void nothingIsDecidedAfterTheEnd() {
        CopyStep.Copy copy = new CopyStep.Copy(null, List.of(snapshot(OWNER, 2, 8)));
        for (CopyEvent end : List.of(part(1, 1, 0L, 0L), failed())) {
            given(CopyJob::fold, REQUESTED, end).when(CopyJob::progress).thenNothing();
            given(CopyJob::fold, REQUESTED, end).when(job -> job.fail("X", "y")).thenNothing();
            given(CopyJob::fold, REQUESTED, end).when(job -> job.complete(copy, Map.of(SOURCE, NEW))).thenNothing();
        }
    }

    // --- fixtures

    static final long BLOCK = SourceSnapshot.BLOCK_SIZE;

    private static CopyJob job() {
        return given(CopyJob::fold, REQUESTED).state();
    }

    /** The job as its row holds it at the end: the row also counts the blocks found already here. */
    private static CopyJob figures(CopyJob job, int total, int skipped, long bytes) {
        return new CopyJob(job.copyId(), job.ownerId(), job.sourceRegion(), job.of(), job.description(),
                job.requestedAt(), job.state(), job.stateReason(), total, total, skipped, bytes, 0, job.version(),
                null);
    }

    /** The source stream holding {@code snapshot} (null: not yet, or not at all), read to its end or not. */
    private static CopySource source(SourceSnapshot snapshot, boolean readToEnd) {
        return new CopySource(true, id -> Optional.empty(),
                id -> id.equals(SOURCE) ? Optional.ofNullable(snapshot) : Optional.empty(), readToEnd,
                Optional.empty());
    }

    private static SnapshotCopied part(int part, int parts, Long bytesMoved, Long blocksSkipped) {
        return new SnapshotCopied(null, NEW, SOURCE, SOURCE_REGION, OWNER, 8, snapshot(OWNER, 2, 8).mapChecksum(),
                "nightly backup", part, parts, List.of(), bytesMoved, blocksSkipped);
    }

    private static SnapshotCopyFailed failed() {
        return new SnapshotCopyFailed(NEW, SOURCE, SOURCE_REGION, new StateReason("InvalidSnapshot.NotFound",
                NOT_FOUND));
    }

    private static SourceSnapshot snapshot(String owner, int blockCount, int volumeSize) {
        return SourceSnapshots.of(SOURCE, owner, blockCount, volumeSize);
    }
}
