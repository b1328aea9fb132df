package dev.imageregistry.snapshot.domain;

import static dev.imageregistry.infra.testing.Decisions.given;
import static dev.imageregistry.infra.testing.Decisions.givenNothing;
import static dev.imageregistry.snapshot.domain.BlockMapLifetime.DISCARDED;
import static dev.imageregistry.snapshot.domain.BlockMapLifetime.HELD;
import static dev.imageregistry.snapshot.domain.BlockMapLifetime.LIVE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.snapshot.domain.BlockMap.Entry;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotBlocksOverlaid;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCompleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotDeleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotFailed;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotStarted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;

/**
 * A snapshot taken from a volume (VolumeSnapshotTaken, every part received), without a server: given what the
 * event store knows of the new ID and the base snapshot, then the events, or nothing.
 */
class SnapshotFromVolumeTest {
    private static final String ID = "snap-0123456789abcdef0";
    private static final String BASE = "snap-00000000000000aaa";
    private static final String OWNER = "111122223333";
    private static final String BASE_OWNER = "444455556666";
    private static final String INSTANCE = "i-0123456789abcdef0";
    private static final String VOLUME = "vol-0123456789abcdef0";
    private static final String IMAGE = "ami-0123456789abcdef0";
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-01-01T00:10:00.123Z");
    private static final String CREATED_BY = "Created by CreateImage(" + INSTANCE + ") for " + IMAGE + " from " + VOLUME;

    /** Another account's completed base (a public image's snapshot): blocks at 0, 1 and 5. */
    private static final Snapshot COMPLETED_BASE = given(Snapshot::fold,
            new SnapshotStarted(BASE, BASE_OWNER, 1, null, null, List.of(), START),
            new SnapshotCompleted(BASE, BASE_OWNER, 1, null, 3, "x", "SHA256", null, START)).state();
    private static final BlockMap BASE_MAP = BlockMap.of(entry(0, 10, false), entry(1, 11, true), entry(5, 15, true));
    private static final Function<List<MappedBlock>, List<Integer>> ALL_IN_BUCKET = written -> List.of();

    @Test
    void theWrittenBlocksBecomeALayerOverTheBaseMapAndACompletedSnapshotOfTheFullMapWithoutAParent() {
        // The volume rewrote block 1 and wrote block 3 and the volume's last block (it is 2 GiB, the base 1 GiB).
        List<MappedBlock> written = List.of(mapped(1, 21), mapped(3, 23), mapped(4095, 24));
        VolumeSnapshot taken = taken(2, written, null);
        List<MappedBlock> full = List.of(mapped(0, 10), mapped(1, 21), mapped(3, 23), mapped(5, 15), mapped(4095, 24));
        String linear = BlockMapParts.mapChecksum(full).base64();
        List<DomainEvent> expected = new ArrayList<>();
        expected.add(new SnapshotStarted(ID, OWNER, 2, null, CREATED_BY, List.of(), NOW));
        expected.add(new SnapshotBlocksOverlaid(ID, OWNER, 2, BASE, 1, 1, written, 5, linear));
        expected.add(new SnapshotCompleted(ID, OWNER, 2, null, 5, linear, "SHA256", CREATED_BY, NOW));
        givenNothing().when(nothing -> Snapshot.takenFromVolume(null, taken, COMPLETED_BASE, LIVE, SnapshotFromVolumeTest::overBase,
                ALL_IN_BUCKET, NOW)).then(expected.toArray(DomainEvent[]::new));
        Snapshot made = given(Snapshot::fold, expected.stream().map(SnapshotEvent.class::cast)
                .toArray(SnapshotEvent[]::new)).state();
        assertEquals(SnapshotState.COMPLETED, made.state());
        assertEquals(OWNER, made.ownerId(), "the volume's owner owns the snapshot, whoever owns the base");
        assertEquals(null, made.parentSnapshotId());
    }

    @Test
    void aVolumeThatWroteNothingIsItsBaseMapUnderANewOwnerWithItsOwnDescriptionAndTags() {
        List<Tag> tags = List.of(new Tag("team", "os"));
        VolumeSnapshot taken = new VolumeSnapshot(ID, OWNER, INSTANCE, VOLUME, null, BASE, 1, "nightly", tags, null,
                List.of());
        List<MappedBlock> full = List.of(mapped(0, 10), mapped(1, 11), mapped(5, 15));
        String linear = BlockMapParts.mapChecksum(full).base64();
        givenNothing().when(nothing -> Snapshot.takenFromVolume(null, taken, COMPLETED_BASE, LIVE, SnapshotFromVolumeTest::overBase,
                written -> { throw new AssertionError("nothing written: nothing to look for in the bucket"); }, NOW))
                .then(new SnapshotStarted(ID, OWNER, 1, null, "nightly", tags, NOW),
                        new SnapshotBlocksOverlaid(ID, OWNER, 1, BASE, 1, 1, List.of(), 3, linear),
                        new SnapshotCompleted(ID, OWNER, 1, null, 3, linear, "SHA256", "nightly", NOW));
    }

    @Test
    void aBaseThatIsUnknownDeletedOrNotCompletedFailsTheSnapshotWithTheReason() {
        VolumeSnapshot taken = taken(1, List.of(mapped(2, 22)), null);
        fails(taken, null, "InvalidSnapshot.NotFound",
                "The base snapshot " + BASE + " of " + VOLUME + " does not exist (unknown, or deleted).");
        Snapshot deleted = given(Snapshot::fold, new SnapshotStarted(BASE, BASE_OWNER, 1, null, null, List.of(), START),
                new SnapshotDeleted(BASE, BASE_OWNER)).state();
        fails(taken, deleted, "InvalidSnapshot.NotFound",
                "The base snapshot " + BASE + " of " + VOLUME + " does not exist (unknown, or deleted).");
        Snapshot pending = given(Snapshot::fold, new SnapshotStarted(BASE, BASE_OWNER, 1, null, null, List.of(), START))
                .state();
        fails(taken, pending, "IncorrectState", "The base snapshot " + BASE + " of " + VOLUME + " is pending, not completed.");
        Snapshot larger = given(Snapshot::fold, new SnapshotStarted(BASE, BASE_OWNER, 8, null, null, List.of(), START),
                new SnapshotCompleted(BASE, BASE_OWNER, 8, null, 0, "x", "SHA256", null, START)).state();
        fails(taken, larger, "InvalidParameterValue", "The volume " + VOLUME + " (1 GiB) is smaller than its base "
                + "snapshot " + BASE + " (8 GiB).");
    }

    @Test
    void aDeletedBaseServesWhileVolumesHoldItsMapAndIsGoneOnceTheLastHoldIsReleased() {
        // On EC2 a volume outlives the snapshot it was made from: its snapshot is still made over the base's map.
        Snapshot deleted = given(Snapshot::fold, new SnapshotStarted(BASE, BASE_OWNER, 1, null, null, List.of(), START),
                new SnapshotCompleted(BASE, BASE_OWNER, 1, null, 3, "x", "SHA256", null, START),
                new SnapshotDeleted(BASE, BASE_OWNER)).state();
        List<MappedBlock> written = List.of(mapped(1, 21));
        List<MappedBlock> full = List.of(mapped(0, 10), mapped(1, 21), mapped(5, 15));
        String linear = BlockMapParts.mapChecksum(full).base64();
        givenNothing().when(nothing -> Snapshot.takenFromVolume(null, taken(1, written, null), deleted, HELD,
                SnapshotFromVolumeTest::overBase, ALL_IN_BUCKET, NOW)).then(
                        new SnapshotStarted(ID, OWNER, 1, null, CREATED_BY, List.of(), NOW),
                        new SnapshotBlocksOverlaid(ID, OWNER, 1, BASE, 1, 1, written, 3, linear),
                        new SnapshotCompleted(ID, OWNER, 1, null, 3, linear, "SHA256", CREATED_BY, NOW));
        // No volume holds it any more: its map is discarded, and it is gone as today.
        givenNothing().when(nothing -> Snapshot.takenFromVolume(null, taken(1, written, null), deleted, DISCARDED,
                SnapshotFromVolumeTest::unread, written1 -> { throw new AssertionError("not asked"); }, NOW)).then(
                        new SnapshotStarted(ID, OWNER, 1, null, CREATED_BY, List.of(), NOW),
                        new SnapshotFailed(ID, OWNER, new StateReason("InvalidSnapshot.NotFound", "The base snapshot "
                                + BASE + " of " + VOLUME + " does not exist (unknown, or deleted).")));
    }

    @Test
    void writtenBlocksThatDoNotAddUpOrAreNotInTheBucketFailTheSnapshot() {
        String notAMap = "The written blocks of " + VOLUME + " are not distinct blocks inside the volume (1 GiB), in index order.";
        fails(taken(1, List.of(mapped(3, 1), mapped(1, 2)), null), COMPLETED_BASE, "InvalidParameterValue", notAMap);
        fails(taken(1, List.of(mapped(2, 1), mapped(2, 2)), null), COMPLETED_BASE, "InvalidParameterValue", notAMap);
        fails(taken(1, List.of(mapped(2048, 1)), null), COMPLETED_BASE, "InvalidParameterValue", notAMap);
        fails(taken(1, List.of(new MappedBlock(2, "not a checksum")), null), COMPLETED_BASE, "InvalidParameterValue",
                notAMap);
        VolumeSnapshot taken = taken(1, List.of(mapped(2, 22), mapped(7, 27)), null);
        givenNothing().when(nothing -> Snapshot.takenFromVolume(null, taken, COMPLETED_BASE, LIVE, SnapshotFromVolumeTest::unread,
                written -> List.of(7), NOW)).then(new SnapshotStarted(ID, OWNER, 1, null, CREATED_BY, List.of(), NOW),
                        new SnapshotFailed(ID, OWNER, new StateReason("InvalidBlock.NotFound", "The object store does "
                                + "not hold the data of block(s) [7] written by " + VOLUME + "; nothing was referenced.")));
    }

    @Test
    void aVolumeThatCouldNotBeSnapshottedStartsNoSnapshotAndFailsItsIdWithTheLaunchServicesReason() {
        StateReason failure = new StateReason("InvalidVolume.NotFound", "The volume '" + VOLUME + "' does not exist.");
        givenNothing().when(nothing -> Snapshot.takenFromVolume(null, taken(1, List.of(), failure), null, LIVE,
                SnapshotFromVolumeTest::unread, written -> { throw new AssertionError("not asked"); }, NOW))
                .then(new SnapshotFailed(ID, OWNER, failure));
        Snapshot failed = given(Snapshot::fold, new SnapshotFailed(ID, OWNER, failure)).state();
        assertEquals(SnapshotState.ERROR, failed.state(), "the ID is used: a later part or a replay makes nothing");
        given(Snapshot::fold, new SnapshotFailed(ID, OWNER, failure)).when(existing -> Snapshot.takenFromVolume(existing,
                taken(1, List.of(), null), COMPLETED_BASE, LIVE, SnapshotFromVolumeTest::unread, ALL_IN_BUCKET, NOW))
                .thenNothing();
    }

    @Test
    void aRedeliveredOrReplayedVolumeSnapshotChangesNothing() {
        VolumeSnapshot taken = taken(1, List.of(mapped(2, 22)), null);
        List<? extends DomainEvent> made = givenNothing().when(nothing -> Snapshot.takenFromVolume(null, taken,
                COMPLETED_BASE, LIVE, SnapshotFromVolumeTest::overBase, ALL_IN_BUCKET, NOW)).thenEvents();
        SnapshotEvent[] history = made.stream().map(SnapshotEvent.class::cast).toArray(SnapshotEvent[]::new);
        given(Snapshot::fold, history).when(existing -> Snapshot.takenFromVolume(existing, taken, COMPLETED_BASE, LIVE,
                SnapshotFromVolumeTest::unread, ALL_IN_BUCKET, NOW)).thenNothing();
        // Also once the snapshot was deleted, and also for a failed one: one snapshot per ID, ever.
        List<SnapshotEvent> deleted = new ArrayList<>(List.of(history));
        deleted.add(new SnapshotDeleted(ID, OWNER));
        given(Snapshot::fold, deleted.toArray(SnapshotEvent[]::new)).when(existing -> Snapshot.takenFromVolume(existing,
                taken, COMPLETED_BASE, LIVE, SnapshotFromVolumeTest::unread, ALL_IN_BUCKET, NOW)).thenNothing();
        given(Snapshot::fold, new SnapshotStarted(ID, OWNER, 1, null, null, List.of(), NOW),
                new SnapshotFailed(ID, OWNER, new StateReason("VolumeUnavailable", "gone")))
                .when(existing -> Snapshot.takenFromVolume(existing, taken, COMPLETED_BASE, LIVE,
                        SnapshotFromVolumeTest::unread, ALL_IN_BUCKET, NOW)).thenNothing();
    }

    private static void fails(VolumeSnapshot taken, Snapshot base, String code, String message) {
        givenNothing().when(nothing -> Snapshot.takenFromVolume(null, taken, base, LIVE, SnapshotFromVolumeTest::unread,
                written -> { throw new AssertionError("the bucket is asked only for a map that adds up"); }, NOW))
                .then(new SnapshotStarted(ID, OWNER, taken.volumeSize(), null, CREATED_BY, List.of(), NOW),
                        new SnapshotFailed(ID, OWNER, new StateReason(code, message)));
    }

    private static VolumeSnapshot taken(int volumeSize, List<MappedBlock> written, StateReason failure) {
        return new VolumeSnapshot(ID, OWNER, INSTANCE, VOLUME, IMAGE, BASE, volumeSize, null, List.of(), failure, written);
    }

    private static BlockMap.Summary unread(List<MappedBlock> written) {
        throw new AssertionError("the base map is read only when the snapshot can be made");
    }

    /** What the service computes from the base's packed map (the wiring tests check that it is stored and read). */
    private static BlockMap.Summary overBase(List<MappedBlock> written) {
        return PackedBlockMap.of(BASE_MAP).overlaid(written).summary();
    }

    private static Entry entry(int index, long seed, boolean changed) {
        return new Entry(index, BlockChecksum.of(block(seed)), changed);
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
}
