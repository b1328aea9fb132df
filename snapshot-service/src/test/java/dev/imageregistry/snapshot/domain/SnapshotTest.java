package dev.imageregistry.snapshot.domain;

import static dev.imageregistry.infra.testing.Decisions.given;
import static dev.imageregistry.infra.testing.Decisions.givenNothing;
import static dev.imageregistry.infra.testing.Decisions.refusalOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.snapshot.domain.BlockBatch.BlockRef;
import dev.imageregistry.snapshot.domain.BlockMap.Entry;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotBlocksRecorded;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCompleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotDeleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotFailed;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotStarted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotTagged;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;

/**
 * Every rule a snapshot decides, without a server: given its events, when a command, then the events it causes,
 * nothing, or EC2's refusal. (Tags: {@link SnapshotTagRulesTest}; the cut of a map into parts:
 * {@link BlockMapPartsTest}.) The HTTP tests are left to prove that the service asks these questions.
 */
class SnapshotTest {
    private static final String ID = "snap-0123456789abcdef0";
    private static final String PARENT = "snap-00000000000000aaa";
    private static final String OWNER = "111122223333";
    private static final String OTHER = "444455556666";
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-01-01T00:10:00.123Z");
    private static final String EMPTY_SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    private static final SnapshotStarted STARTED = new SnapshotStarted(ID, OWNER, 1, null, "disk", List.of(), START);

    // StartSnapshot

    @Test
    void startingMakesAPendingSnapshotWithItsTags() {
        StartSnapshot command = StartSnapshot.of(2, null, "root disk", List.of(tag("team", "os")), null);
        givenNothing().when(nothing -> Snapshot.start(ID, OWNER, command, null, NOW))
                .then(new SnapshotStarted(ID, OWNER, 2, null, "root disk", List.of(tag("team", "os")), NOW));
        Snapshot started = given(Snapshot::fold, new SnapshotStarted(ID, OWNER, 2, null, "root disk",
                List.of(tag("team", "os")), NOW)).state();
        assertEquals(SnapshotState.PENDING, started.state());
        assertEquals(1, started.version());
        assertEquals(NOW.plus(Duration.ofMinutes(60)), command.deadline(NOW), "the timeout defaults to 60 minutes");
        assertEquals(NOW.plus(Duration.ofMinutes(4320)), StartSnapshot.of(1, null, null, null, 4320).deadline(NOW));
    }

    @Test
    void startParametersAreCheckedAsEbsChecksThem() {
        startRefused("MissingParameter", null, null, null, null);
        startRefused("InvalidParameterValue", 0, null, null, null);
        startRefused("InvalidParameterValue", 65537, null, null, null);
        startRefused("InvalidParameterValue", 1, "d".repeat(256), null, null);
        startRefused("InvalidParameterValue", 1, null, numbered(51), null);
        startRefused("InvalidParameterValue", 1, null, List.of(tag("aws:name", "v")), null);
        startRefused("InvalidParameterValue", 1, null, List.of(tag("", "v")), null);
        startRefused("InvalidParameterValue", 1, null, List.of(tag("k", null)), null);
        startRefused("InvalidParameterValue", 1, null, List.of(tag("k", "v".repeat(257))), null);
        startRefused("InvalidParameterValue", 1, null, null, 0);
        startRefused("InvalidParameterValue", 1, null, null, 4321);
        assertEquals(65536, StartSnapshot.of(65536, null, "d".repeat(255), numbered(50), 1).volumeSize());
    }

    @Test
    void anIncrementalSnapshotNeedsACompletedParentNoLargerThanItself() {
        Snapshot completedParent = given(Snapshot::fold, parentStarted(2), parentCompleted(2)).state();
        givenNothing().when(nothing -> Snapshot.start(ID, OWNER, StartSnapshot.of(2, PARENT, null, null, null),
                completedParent, NOW)).then(new SnapshotStarted(ID, OWNER, 2, PARENT, null, List.of(), NOW));
        givenNothing().when(nothing -> Snapshot.start(ID, OWNER, StartSnapshot.of(1, PARENT, null, null, null),
                completedParent, NOW)).thenRefused("InvalidParameterValue");
        Snapshot pendingParent = given(Snapshot::fold, parentStarted(1)).state();
        givenNothing().when(nothing -> Snapshot.start(ID, OWNER, StartSnapshot.of(1, PARENT, null, null, null),
                pendingParent, NOW)).thenRefused("IncorrectState");
        Snapshot deletedParent = given(Snapshot::fold, parentStarted(1), parentCompleted(1),
                new SnapshotDeleted(PARENT, OWNER)).state();
        givenNothing().when(nothing -> Snapshot.start(ID, OWNER, StartSnapshot.of(1, PARENT, null, null, null),
                deletedParent, NOW)).thenRefused("InvalidSnapshot.NotFound");
    }

    // Blocks: PutSnapshotBlock, block-uploads, block-references

    @Test
    void theOwnerWritesBlocksInsideTheVolumeOfAPendingSnapshot() {
        given(Snapshot::fold, STARTED).when(s -> s.acceptBlock(OWNER, 0)).thenNothing();
        given(Snapshot::fold, STARTED).when(s -> s.acceptBlock(OWNER, 2047)).thenNothing();
        Ec2Exception outside = given(Snapshot::fold, STARTED).when(s -> s.acceptBlock(OWNER, 2048))
                .thenRefused("InvalidParameterValue");
        assertTrue(outside.getMessage().contains("2048") && outside.getMessage().contains("0 to 2047"),
                outside.getMessage());
        given(Snapshot::fold, STARTED).when(s -> s.acceptBlock(OTHER, 0)).thenRefused("InvalidSnapshot.NotFound");
        given(Snapshot::fold, STARTED, completed(0, EMPTY_SHA256)).when(s -> s.acceptBlock(OWNER, 1))
                .thenRefused("IncorrectState");
        given(Snapshot::fold, STARTED, failed("Timeout")).when(s -> s.acceptBlock(OWNER, 1))
                .thenRefused("IncorrectState");
        given(Snapshot::fold, STARTED, new SnapshotDeleted(ID, OWNER)).when(s -> s.acceptBlock(OWNER, 1))
                .thenRefused("InvalidSnapshot.NotFound");
        SnapshotStarted large = new SnapshotStarted(ID, OWNER, 65536, null, null, List.of(), START);
        given(Snapshot::fold, large).when(s -> s.acceptBlock(OWNER, 65536L * 2048 - 1)).thenNothing();
        assertEquals("BlockIndex must not be negative.",
                refusalOf(() -> BlockIndex.requireNotNegative(-1)).getMessage());
    }

    @Test
    void aBlockBodyIsVerifiedAgainstItsChecksumBeforeAnythingIsStored() {
        byte[] data = block(1);
        String checksum = base64(sha256(data));
        assertEquals(checksum, BlockChecksum.verified(data, checksum, "SHA256", (long) data.length).base64());
        assertEquals(checksum, BlockChecksum.verified(data, checksum, null, null).base64());
        Ec2Exception mismatch = refusalOf(() -> BlockChecksum.verified(data, base64(sha256(block(2))), "SHA256", null));
        assertEquals("InvalidParameterValue", mismatch.code());
        assertTrue(mismatch.getMessage().contains("x-amz-Checksum"), mismatch.getMessage());
        assertEquals("InvalidParameterValue", refusalOf(() -> BlockChecksum.verified(data, "not-base64!", null, null)).code());
        assertEquals("InvalidParameterValue", refusalOf(() -> BlockChecksum.verified(data, "AAAA", null, null)).code());
        assertEquals("MissingParameter", refusalOf(() -> BlockChecksum.verified(data, null, null, null)).code());
        assertEquals("InvalidParameterValue", refusalOf(() -> BlockChecksum.verified(data, checksum, "MD5", null)).code());
        byte[] small = new byte[1000];
        Ec2Exception tooSmall = refusalOf(() -> BlockChecksum.verified(small, base64(sha256(small)), null, null));
        assertTrue(tooSmall.getMessage().contains("524288"), tooSmall.getMessage());
        assertTrue(refusalOf(() -> BlockChecksum.verified(null, checksum, null, null)).getMessage().contains("524288"),
                "a body that is not exactly one block is read as none");
        assertEquals("InvalidParameterValue",
                refusalOf(() -> BlockChecksum.verified(data, checksum, null, 1000L)).code());
    }

    @Test
    void aDirectUploadBatchIsCheckedAsAWholeBeforeAnythingIsTouched() {
        String good = base64(sha256(block(1)));
        assertEquals(List.of(5, 9),
                BlockBatch.named(batch(new BlockRef(5, good), new BlockRef(9, good))).stream()
                        .map(BlockBatch.NamedBlock::index).toList(), "the same content at two indexes is fine");
        assertEquals(9, BlockBatch.highestIndex(BlockBatch.named(batch(new BlockRef(9, good), new BlockRef(5, good)))));
        batchRefused("MissingParameter", null);
        batchRefused("MissingParameter", new BlockBatch(null));
        batchRefused("MissingParameter", new BlockBatch(List.of()));
        batchRefused("MissingParameter", batch(new BlockRef(null, good)));
        batchRefused("MissingParameter", batch(new BlockRef(0, null)));
        batchRefused("InvalidParameterValue", batch(new BlockRef(0, "not base64!")));
        batchRefused("InvalidParameterValue", batch(new BlockRef(0, "AAAA")));
        batchRefused("InvalidParameterValue", batch(new BlockRef(-1, good)));
        batchRefused("InvalidParameterValue", batch(new BlockRef(0, good), new BlockRef(0, good)));
        List<BlockRef> tooMany = new ArrayList<>();
        for (int i = 0; i <= BlockBatch.MAX_BATCH; i++) {
            tooMany.add(new BlockRef(i, good));
        }
        batchRefused("InvalidParameterValue", new BlockBatch(tooMany));
        assertEquals(100, BlockBatch.named(new BlockBatch(tooMany.subList(0, 100))).size());
    }

    @Test
    void blockTokensNameContentAndANeverWrittenBlockReadsAsZeros() {
        BlockChecksum checksum = BlockChecksum.of(block(3));
        assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(checksum.raw()), checksum.token());
        assertEquals("blocks/" + checksum.hex(), checksum.objectKey());
        assertTrue(BlockChecksum.ZERO_BLOCK.matches(BlockChecksum.of(new byte[BlockChecksum.BLOCK_SIZE])));
        assertEquals("InvalidParameterValue", refusalOf(() -> BlockIndex.requireInside(2048, 1)).code());
        assertEquals("InvalidParameterValue", refusalOf(() -> BlockIndex.requireInside(-1, 1)).code());
        BlockIndex.requireInside(2047, 1);
    }

    // CompleteSnapshot

    @Test
    void completionPublishesTheWholeMapThenTheCompletion() {
        BlockChecksum b = BlockChecksum.of(block(202));
        BlockChecksum c = BlockChecksum.of(block(203));
        BlockMap map = BlockMap.of(new Entry(3, b, true), new Entry(7, c, true));
        List<DomainEvent> expected = new ArrayList<>(BlockMapParts.of(ID, OWNER, 1, List.of(
                new MappedBlock(3, b.base64()), new MappedBlock(7, c.base64()))));
        String aggregate = base64(sha256(b.raw(), c.raw()));
        expected.add(new SnapshotCompleted(ID, OWNER, 1, null, 2, aggregate, "SHA256", "disk", NOW));
        given(Snapshot::fold, STARTED).when(s -> s.complete(OWNER, CompleteSnapshot.of(2L, aggregate, "SHA256", "LINEAR"),
                () -> map, NOW)).then(expected.toArray(DomainEvent[]::new));
        given(Snapshot::fold, STARTED).when(s -> s.complete(OWNER, CompleteSnapshot.of(2L, null, null, null),
                () -> map, NOW)).then(expected.toArray(DomainEvent[]::new));
        assertEquals(SnapshotState.COMPLETED, given(Snapshot::fold, STARTED, (SnapshotBlocksRecorded) expected.get(0),
                (SnapshotCompleted) expected.get(1)).state().state());
    }

    @Test
    void anEmptySnapshotCompletesWithTheChecksumOfNothing() {
        given(Snapshot::fold, STARTED).when(s -> s.complete(OWNER, CompleteSnapshot.of(0L, EMPTY_SHA256, null, null),
                () -> BlockMap.of(), NOW)).then(new SnapshotBlocksRecorded(ID, OWNER, 1, 1, 1, List.of(), EMPTY_SHA256),
                        new SnapshotCompleted(ID, OWNER, 1, null, 0, EMPTY_SHA256, "SHA256", "disk", NOW));
    }

    @Test
    void anIncrementalSnapshotCountsOnlyItsOwnBlocksButPublishesItsWholeMap() {
        BlockChecksum p0 = BlockChecksum.of(block(401));
        BlockChecksum p2 = BlockChecksum.of(block(403));
        BlockChecksum c1 = BlockChecksum.of(block(404));
        BlockChecksum c3 = BlockChecksum.of(block(405));
        SnapshotStarted child = new SnapshotStarted(ID, OWNER, 1, PARENT, null, List.of(), START);
        BlockMap map = BlockMap.of(new Entry(0, p0, false), new Entry(1, c1, true), new Entry(2, p2, false),
                new Entry(3, c3, true));
        String own = base64(sha256(c1.raw(), c3.raw()));
        List<? extends DomainEvent> events = given(Snapshot::fold, child)
                .when(s -> s.complete(OWNER, CompleteSnapshot.of(2L, own, "SHA256", "LINEAR"), () -> map, NOW))
                .thenEvents();
        SnapshotBlocksRecorded recorded = (SnapshotBlocksRecorded) events.get(0);
        assertEquals(List.of(0, 1, 2, 3), recorded.blocks().stream().map(MappedBlock::index).toList());
        assertEquals(base64(sha256(p0.raw(), c1.raw(), p2.raw(), c3.raw())), recorded.mapChecksum(),
                "the map checksum covers inherited blocks too");
        assertEquals(new SnapshotCompleted(ID, OWNER, 1, PARENT, 4, own, "SHA256", null, NOW), events.get(1));
        given(Snapshot::fold, child).when(s -> s.complete(OWNER, CompleteSnapshot.of(4L, null, null, null), () -> map, NOW))
                .then(failed("ChangedBlocksCountMismatch", "ChangedBlocksCount was 4 but 2 blocks were written."));
    }

    @Test
    void aMismatchFailsTheSnapshotItIsNotARefusal() {
        BlockChecksum a = BlockChecksum.of(block(201));
        BlockMap map = BlockMap.of(new Entry(0, a, true));
        String otherAggregate = base64(sha256(BlockChecksum.of(block(202)).raw()));
        given(Snapshot::fold, STARTED).when(s -> s.complete(OWNER, CompleteSnapshot.of(1L, otherAggregate, null, null),
                () -> map, NOW)).then(failed("ChecksumMismatch", "The aggregate checksum does not match the blocks written."));
        given(Snapshot::fold, STARTED).when(s -> s.complete(OWNER, CompleteSnapshot.of(2L, base64(sha256(a.raw())),
                null, null), () -> map, NOW))
                .then(failed("ChangedBlocksCountMismatch", "ChangedBlocksCount was 2 but 1 blocks were written."));
        // What DescribeSnapshots' StateMessage is made of.
        Snapshot failed = given(Snapshot::fold, STARTED, failed("ChecksumMismatch", "no")).state();
        assertEquals(SnapshotState.ERROR, failed.state());
    }

    @Test
    void onlyThePendingSnapshotOfTheOwnerIsCompletedAndTheMapIsNotReadOtherwise() {
        CompleteSnapshot command = CompleteSnapshot.of(0L, null, null, null);
        given(Snapshot::fold, STARTED).when(s -> s.complete(OTHER, command, SnapshotTest::unread, NOW))
                .thenRefused("InvalidSnapshot.NotFound");
        given(Snapshot::fold, STARTED, completed(0, EMPTY_SHA256))
                .when(s -> s.complete(OWNER, command, SnapshotTest::unread, NOW)).thenRefused("IncorrectState");
        given(Snapshot::fold, STARTED, failed("Timeout"))
                .when(s -> s.complete(OWNER, command, SnapshotTest::unread, NOW)).thenRefused("IncorrectState");
    }

    @Test
    void completionParametersAreChecked() {
        assertEquals("MissingParameter", refusalOf(() -> CompleteSnapshot.of(null, null, null, null)).code());
        assertEquals("InvalidParameterValue", refusalOf(() -> CompleteSnapshot.of(-1L, null, null, null)).code());
        assertEquals("InvalidParameterValue", refusalOf(() -> CompleteSnapshot.of(1L, "not base64", null, null)).code());
        assertEquals("InvalidParameterValue", refusalOf(() -> CompleteSnapshot.of(1L, EMPTY_SHA256, "MD5", null)).code());
        assertEquals("InvalidParameterValue", refusalOf(() -> CompleteSnapshot.of(1L, EMPTY_SHA256, null, "TREE")).code());
        assertEquals(new CompleteSnapshot(3, null), CompleteSnapshot.of(3L, null, "ignored without a checksum", null));
    }

    // Timeout

    @Test
    void aPendingSnapshotPastItsDeadlineFails() {
        Instant deadline = START.plus(Duration.ofMinutes(60));
        given(Snapshot::fold, STARTED).when(s -> s.timeOut(deadline.plusMillis(1), deadline))
                .then(failed("Timeout", "The snapshot was not completed within its timeout."));
        given(Snapshot::fold, STARTED).when(s -> s.timeOut(deadline, deadline)).thenNothing();
        given(Snapshot::fold, STARTED, completed(0, EMPTY_SHA256))
                .when(s -> s.timeOut(deadline.plusSeconds(60), deadline)).thenNothing();
    }

    // DeleteSnapshot, and deregistration with deleteSnapshots

    @Test
    void theOwnerDeletesASnapshotNoImageUses() {
        given(Snapshot::fold, STARTED).when(s -> s.delete(OWNER, List.of())).then(new SnapshotDeleted(ID, OWNER));
        given(Snapshot::fold, STARTED, completed(0, EMPTY_SHA256)).when(s -> s.delete(OWNER, List.of()))
                .then(new SnapshotDeleted(ID, OWNER));
        Ec2Exception inUse = given(Snapshot::fold, STARTED, completed(0, EMPTY_SHA256))
                .when(s -> s.delete(OWNER, List.of("ami-0123456789abcdef0", "ami-0123456789abcdef1")))
                .thenRefused("InvalidSnapshot.InUse");
        assertTrue(inUse.getMessage().contains("ami-0123456789abcdef0"), inUse.getMessage());
        given(Snapshot::fold, STARTED).when(s -> s.delete(OTHER, List.of())).thenRefused("InvalidSnapshot.NotFound");
        given(Snapshot::fold, STARTED, new SnapshotDeleted(ID, OWNER)).when(s -> s.delete(OWNER, List.of()))
                .thenRefused("InvalidSnapshot.NotFound");
        assertEquals(SnapshotState.DELETED, given(Snapshot::fold, STARTED, new SnapshotDeleted(ID, OWNER)).state().state());
    }

    @Test
    void aDeregistrationDeletesOnlyTheImageOwnersUnusedSnapshots() {
        given(Snapshot::fold, STARTED).when(s -> s.deleteUnused(OWNER, List.of())).then(new SnapshotDeleted(ID, OWNER));
        given(Snapshot::fold, STARTED).when(s -> s.deleteUnused(OWNER, List.of("ami-0123456789abcdef1"))).thenNothing();
        given(Snapshot::fold, STARTED).when(s -> s.deleteUnused(OTHER, List.of())).thenNothing();
        given(Snapshot::fold, STARTED, new SnapshotDeleted(ID, OWNER)).when(s -> s.deleteUnused(OWNER, List.of()))
                .thenNothing();
    }

    // Copied from another Region

    @Test
    void aCopiedSnapshotIsCreatedCompletedWithItsLineage() {
        List<MappedBlock> blocks = List.of(mapped(0, 7001), mapped(3, 7002), mapped(2047, 7003));
        String aggregate = BlockMapParts.mapChecksum(blocks).base64();
        SnapshotCopy copy = new SnapshotCopy(ID, OWNER, 1, "Copied from snap-0000000000000000b", aggregate,
                "snap-0000000000000000b", "eu-west-1", blocks);
        givenNothing().when(nothing -> Snapshot.copiedIn(copy, NOW)).then(
                new SnapshotStarted(ID, OWNER, 1, null, "Copied from snap-0000000000000000b", List.of(), NOW),
                new SnapshotBlocksRecorded(ID, OWNER, 1, 1, 1, blocks, aggregate),
                new SnapshotCompleted(ID, OWNER, 1, null, 3, aggregate, "SHA256", "Copied from snap-0000000000000000b",
                        NOW, "snap-0000000000000000b", "eu-west-1"));
        SnapshotCopy longDescription = new SnapshotCopy(ID, OWNER, 1, "d".repeat(300), aggregate, "snap-0000000000000000b",
                "eu-west-1", blocks);
        SnapshotStarted started = (SnapshotStarted) givenNothing()
                .when(nothing -> Snapshot.copiedIn(longDescription, NOW)).thenEvents().get(0);
        assertEquals(255, started.description().length());
    }

    @Test
    void aCopiedMapThatDoesNotAddUpIsNeverServed() {
        List<MappedBlock> blocks = List.of(mapped(0, 7201));
        String wrong = BlockMapParts.mapChecksum(List.of(mapped(0, 7202))).base64();
        copyFails(new SnapshotCopy(ID, OWNER, 1, null, wrong, PARENT, "eu-west-1", blocks),
                "The copied block map does not match its aggregate checksum.");
        List<MappedBlock> unordered = List.of(mapped(3, 1), mapped(1, 2));
        copyFails(new SnapshotCopy(ID, OWNER, 1, null, BlockMapParts.mapChecksum(unordered).base64(), PARENT,
                "eu-west-1", unordered), "The block map is not a list of distinct blocks inside the volume, in index order.");
        List<MappedBlock> outside = List.of(mapped(2048, 1));
        copyFails(new SnapshotCopy(ID, OWNER, 1, null, BlockMapParts.mapChecksum(outside).base64(), PARENT,
                "eu-west-1", outside), "The block map is not a list of distinct blocks inside the volume, in index order.");
    }

    // The fold

    @Test
    void theFoldFollowsTheStreamAndItsVersions() {
        SnapshotStarted started = new SnapshotStarted(ID, OWNER, 4, PARENT, "d", List.of(tag("team", "os")), START);
        Snapshot snapshot = given(Snapshot::fold, started, new SnapshotTagged(ID, OWNER, List.of(tag("env", "test"))),
                new SnapshotBlocksRecorded(ID, OWNER, 4, 1, 1, List.of(), EMPTY_SHA256),
                new SnapshotCompleted(ID, OWNER, 4, PARENT, 0, EMPTY_SHA256, "SHA256", "d", NOW)).state();
        assertEquals(new Snapshot(ID, OWNER, 4, PARENT, "d", java.util.Map.of("team", "os", "env", "test"),
                SnapshotState.COMPLETED, 4), snapshot);
        assertEquals(List.of(tag("team", "os"), tag("env", "test")), snapshot.tagList());
        assertEquals(null, Snapshot.fold(List.of()), "no events, no snapshot");
    }

    private static void copyFails(SnapshotCopy copy, String problem) {
        givenNothing().when(nothing -> Snapshot.copiedIn(copy, NOW)).then(
                new SnapshotStarted(ID, OWNER, 1, null, null, List.of(), NOW),
                new SnapshotFailed(ID, OWNER, new StateReason("ChecksumMismatch", problem)));
    }

    private static void startRefused(String code, Integer volumeSize, String description, List<Tag> tags,
            Integer timeout) {
        givenNothing().when(nothing -> Snapshot.start(ID, OWNER, StartSnapshot.of(volumeSize, null, description, tags,
                timeout), null, NOW)).thenRefused(code);
    }

    private static void batchRefused(String code, BlockBatch batch) {
        assertEquals(code, refusalOf(() -> BlockBatch.named(batch)).code());
    }

    private static BlockMap unread() {
        throw new AssertionError("the map is read only for a snapshot that may be completed");
    }

    private static SnapshotStarted parentStarted(int volumeSize) {
        return new SnapshotStarted(PARENT, OWNER, volumeSize, null, null, List.of(), START);
    }

    private static SnapshotCompleted parentCompleted(int volumeSize) {
        return new SnapshotCompleted(PARENT, OWNER, volumeSize, null, 0, EMPTY_SHA256, "SHA256", null, START);
    }

    private static SnapshotCompleted completed(long blockCount, String aggregate) {
        return new SnapshotCompleted(ID, OWNER, 1, null, blockCount, aggregate, "SHA256", "disk", NOW);
    }

    private static SnapshotFailed failed(String code) {
        return failed(code, code);
    }

    private static SnapshotFailed failed(String code, String message) {
        return new SnapshotFailed(ID, OWNER, new StateReason(code, message));
    }

    private static BlockBatch batch(BlockRef... refs) {
        return new BlockBatch(List.of(refs));
    }

    private static MappedBlock mapped(int index, long seed) {
        return new MappedBlock(index, BlockChecksum.of(block(seed)).base64());
    }

    /** A block's worth of bytes that differ by seed (only the first 8 bytes do: enough for distinct checksums). */
    private static byte[] block(long seed) {
        byte[] data = new byte[BlockChecksum.BLOCK_SIZE];
        for (int i = 0; i < 8; i++) {
            data[i] = (byte) (seed >>> (8 * i));
        }
        return data;
    }

    private static byte[] sha256(byte[]... parts) {
        MessageDigest digest = BlockChecksum.sha256();
        for (byte[] part : parts) {
            digest.update(part);
        }
        return digest.digest();
    }

    private static String base64(byte[] raw) {
        return Base64.getEncoder().encodeToString(raw);
    }

    private static List<Tag> numbered(int count) {
        List<Tag> tags = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tags.add(tag("k" + i, "v"));
        }
        return tags;
    }

    private static Tag tag(String key, String value) {
        return new Tag(key, value);
    }
}
