package dev.imageregistry.launch.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.testing.Decisions;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.domain.InstanceEvent.RootVolume;
import dev.imageregistry.launch.domain.InstanceEvent.SnapshotFailure;
import dev.imageregistry.launch.domain.InstanceEvent.StateReason;
import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.launch.domain.InstanceEvent.VolumeSnapshotTaken;
import dev.imageregistry.launch.domain.InstanceEvent.WrittenBlock;
import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventEnvelope;

/**
 * The snapshots of an instance's root volume, decided by the instance without a server: for an image (CreateImage,
 * through the registry's ImageCreationRequested: never refused, a failure is answered instead) and CreateSnapshot
 * (refused as EC2 refuses it). Each snapshot ID is answered once.
 */
class RootVolumeSnapshotTest {
    private static final String ID = "i-0123456789abcdef0";
    private static final String OWNER = "111122223333";
    private static final String STRANGER = "444455556666";
    private static final String IMAGE = "ami-0123456789abcdef0";
    private static final String VOLUME = "vol-0123456789abcdef0";
    private static final String BASE = "snap-0123456789abcdef0";
    private static final String NEW_IMAGE = "ami-0fedcba9876543210";
    private static final String NEW_SNAPSHOT = "snap-0fedcba9876543210";
    private static final String CHECKSUM = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    private static final Instant AT = Instant.parse("2026-12-07T14:00:00Z");
    private static final StateReason USER_SHUTDOWN = Instance.USER_SHUTDOWN;

    // ---- for an image (ImageCreationRequested)

    @Test
    void theRootVolumesBlockMapIsTakenForTheImage() {
        List<WrittenBlock> written = List.of(new WrittenBlock(3, CHECKSUM), new WrittenBlock(7, CHECKSUM));
        given(InstanceState.RUNNING).when(i -> i.snapshotForImage(forImage(OWNER, VOLUME),
                RootVolumeContents.present(written), AT)).then(new VolumeSnapshotTaken(ID, VOLUME, NEW_SNAPSHOT, OWNER,
                        BASE, NEW_IMAGE, 8, "Created by CreateImage(" + ID + ") for " + NEW_IMAGE + " from " + VOLUME,
                        null, 1, 1, written, AT, null));
        // stopped, or stopping, alike: the volume is what it is
        given(InstanceState.STOPPED).when(i -> i.snapshotForImage(forImage(OWNER, VOLUME),
                RootVolumeContents.present(List.of()), AT)).thenEvents();
    }

    @Test
    void moreThan4096WrittenBlocksTakeSeveralPartsInIndexOrder() {
        List<WrittenBlock> written = IntStream.range(0, 2 * Instance.BLOCKS_PER_PART + 1)
                .mapToObj(index -> new WrittenBlock(index, CHECKSUM)).toList();
        List<? extends DomainEvent> parts = given(InstanceState.RUNNING).when(i -> i.snapshotForImage(
                forImage(OWNER, VOLUME), RootVolumeContents.present(written), AT)).thenEvents();
        assertEquals(3, parts.size());
        List<WrittenBlock> joined = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            VolumeSnapshotTaken part = (VolumeSnapshotTaken) parts.get(n);
            assertEquals(n + 1, part.part());
            assertEquals(3, part.parts());
            assertEquals(NEW_SNAPSHOT, part.snapshotId());
            assertTrue(part.writtenBlocks().size() <= Instance.BLOCKS_PER_PART);
            joined.addAll(part.writtenBlocks());
        }
        assertEquals(written, joined);
        assertEquals(1, ((VolumeSnapshotTaken) parts.get(2)).writtenBlocks().size());
    }

    @Test
    void aVolumeNotCreatedYetIsItsBaseSnapshot() {
        given(InstanceState.PENDING).when(i -> i.snapshotForImage(forImage(OWNER, VOLUME),
                RootVolumeContents.creating(), AT)).then(taken(List.of()));
    }

    @Test
    void aRedeliveredOrReplayedRequestTakesNothing() {
        VolumeSnapshotTaken first = taken(List.of());
        Decisions<Instance> answered = Decisions.given(Instance::fold, append(history(InstanceState.RUNNING), first));
        assertEquals(Set.of(NEW_SNAPSHOT), answered.state().snapshots());
        answered.when(i -> i.snapshotForImage(forImage(OWNER, VOLUME), RootVolumeContents.present(List.of()), AT))
                .thenNothing();
        // also when the answer was a failure, and whatever became of the volume since
        VolumeSnapshotTaken failed = failure("InvalidVolume.NotFound", "The volume '" + VOLUME + "' does not exist.");
        Decisions.given(Instance::fold, append(history(InstanceState.TERMINATED), failed))
                .when(i -> i.snapshotForImage(forImage(OWNER, VOLUME), RootVolumeContents.present(List.of()), AT))
                .thenNothing();
        // another snapshot of the same volume is another answer
        answered.when(i -> i.snapshotForImage(new SnapshotRequest("snap-0aaaaaaaaaaaaaaaa", OWNER, VOLUME, NEW_IMAGE,
                8, null, null), RootVolumeContents.present(List.of()), AT)).thenEvents();
    }

    @Test
    void anotherAccountsInstanceAnswersAFailureThatRevealsNothingOfIt() {
        given(InstanceState.RUNNING).when(i -> i.snapshotForImage(new SnapshotRequest(NEW_SNAPSHOT, STRANGER, VOLUME,
                NEW_IMAGE, 30, null, null), RootVolumeContents.present(List.of(new WrittenBlock(1, CHECKSUM))), AT))
                .then(new VolumeSnapshotTaken(ID, VOLUME, NEW_SNAPSHOT, STRANGER, NEW_SNAPSHOT, NEW_IMAGE, 30,
                        "Created by CreateImage(" + ID + ") for " + NEW_IMAGE + " from " + VOLUME, null, 1, 1,
                        List.of(), AT, new SnapshotFailure("InvalidInstanceID.NotFound",
                                "The instance ID '" + ID + "' does not exist")));
    }

    @Test
    void anInstanceNeverLaunchedHereAnswersAFailureOnceInAStreamOfItsOwn() {
        VolumeSnapshotTaken failed = failure("InvalidInstanceID.NotFound", "The instance ID '" + ID + "' does not exist");
        Decisions.given(RootVolumeSnapshotTest::orUnlaunched)
                .when(i -> i.snapshotForImage(forImage(OWNER, VOLUME), RootVolumeContents.deleted(), AT))
                .then(failed);
        Decisions<Instance> refused = Decisions.given(RootVolumeSnapshotTest::orUnlaunched, failed);
        assertFalse(refused.state().launched());
        assertEquals(1, refused.state().version());
        refused.when(i -> i.snapshotForImage(forImage(OWNER, VOLUME), RootVolumeContents.deleted(), AT)).thenNothing();
    }

    @Test
    void aVolumeThatIsNotTheRootVolumeOrIsGoneAnswersAFailure() {
        SnapshotFailure notFound = new SnapshotFailure("InvalidVolume.NotFound",
                "The volume '" + VOLUME + "' does not exist.");
        given(InstanceState.TERMINATED).when(i -> i.snapshotForImage(forImage(OWNER, VOLUME),
                RootVolumeContents.deleted(), AT)).then(failure(notFound.code(), notFound.message()));
        // a launch that failed before its volume was made: nothing to take either
        given(InstanceState.TERMINATED).when(i -> i.snapshotForImage(forImage(OWNER, VOLUME),
                RootVolumeContents.creating(), AT)).then(failure(notFound.code(), notFound.message()));
        String other = "vol-0aaaaaaaaaaaaaaaa";
        VolumeSnapshotTaken wrongVolume = (VolumeSnapshotTaken) given(InstanceState.RUNNING).when(i -> i
                .snapshotForImage(forImage(OWNER, other), RootVolumeContents.present(List.of()), AT)).thenEvents()
                .get(0);
        assertEquals("InvalidVolume.NotFound", wrongVolume.failure().code());
        assertEquals(other, wrongVolume.volumeId());
    }

    // ---- CreateSnapshot

    @Test
    void createSnapshotTakesTheSameBlockMapWithoutAnImage() {
        SnapshotRequest request = SnapshotRequest.ofVolume(OWNER, VOLUME, NEW_SNAPSHOT, new SnapshotRequest.CreateSnapshot(
                "nightly", List.of(new SnapshotRequest.TagSpecification("snapshot", List.of(new Tag("team", "os"),
                        new Tag("empty", null))))));
        given(InstanceState.RUNNING).when(i -> i.snapshotVolume(request, RootVolumeContents.present(List.of()), AT))
                .then(new VolumeSnapshotTaken(ID, VOLUME, NEW_SNAPSHOT, OWNER, BASE, null, 8, "nightly",
                        List.of(new Tag("team", "os"), new Tag("empty", "")), 1, 1, List.of(), AT, null));
        SnapshotRequest bare = SnapshotRequest.ofVolume(OWNER, VOLUME, NEW_SNAPSHOT, null);
        given(InstanceState.STOPPED).when(i -> i.snapshotVolume(bare, RootVolumeContents.present(List.of()), AT))
                .then(new VolumeSnapshotTaken(ID, VOLUME, NEW_SNAPSHOT, OWNER, BASE, null, 8, null, null, 1, 1,
                        List.of(), AT, null));
    }

    @Test
    void createSnapshotIsRefusedAsEc2RefusesIt() {
        SnapshotRequest stranger = SnapshotRequest.ofVolume(STRANGER, VOLUME, NEW_SNAPSHOT, null);
        given(InstanceState.RUNNING).when(i -> i.snapshotVolume(stranger, RootVolumeContents.present(List.of()), AT))
                .thenRefused("InvalidVolume.NotFound");
        SnapshotRequest owner = SnapshotRequest.ofVolume(OWNER, VOLUME, NEW_SNAPSHOT, null);
        given(InstanceState.TERMINATED).when(i -> i.snapshotVolume(owner, RootVolumeContents.deleted(), AT))
                .thenRefused("InvalidVolume.NotFound");
        given(InstanceState.PENDING).when(i -> i.snapshotVolume(owner, RootVolumeContents.creating(), AT))
                .thenRefused("IncorrectState");
        // a terminated instance's volume kept (DeleteOnTermination false) can still be snapshotted
        given(InstanceState.TERMINATED).when(i -> i.snapshotVolume(owner, RootVolumeContents.present(List.of()), AT))
                .thenEvents();
    }

    @Test
    void createSnapshotsParametersFollowEc2sRules() {
        Decisions<Instance> running = given(InstanceState.RUNNING);
        for (SnapshotRequest.CreateSnapshot bad : List.of(
                new SnapshotRequest.CreateSnapshot("d".repeat(256), null),
                new SnapshotRequest.CreateSnapshot(null, List.of(new SnapshotRequest.TagSpecification("image",
                        List.of(new Tag("k", "v"))))),
                new SnapshotRequest.CreateSnapshot(null, List.of(new SnapshotRequest.TagSpecification("snapshot",
                        List.of(new Tag("aws:k", "v"))))),
                new SnapshotRequest.CreateSnapshot(null, List.of(new SnapshotRequest.TagSpecification("snapshot",
                        List.of(new Tag("k", "v".repeat(257)))))))) {
            running.when(i -> i.snapshotVolume(SnapshotRequest.ofVolume(OWNER, VOLUME, NEW_SNAPSHOT, bad),
                    RootVolumeContents.present(List.of()), AT)).thenRefused("InvalidParameterValue");
        }
        List<Tag> fiftyOne = IntStream.rangeClosed(1, 51).mapToObj(n -> new Tag("k-" + n, "v")).toList();
        running.when(i -> i.snapshotVolume(SnapshotRequest.ofVolume(OWNER, VOLUME, NEW_SNAPSHOT,
                new SnapshotRequest.CreateSnapshot(null, List.of(new SnapshotRequest.TagSpecification("snapshot",
                        fiftyOne)))), RootVolumeContents.present(List.of()), AT)).thenRefused("TagLimitExceeded");
        running.when(i -> i.snapshotVolume(SnapshotRequest.ofVolume(OWNER, VOLUME, NEW_SNAPSHOT,
                new SnapshotRequest.CreateSnapshot("d".repeat(255), null)), RootVolumeContents.present(List.of()), AT))
                .thenEvents();
    }

    // ---- fixtures

    private static SnapshotRequest forImage(String requester, String volumeId) {
        return new SnapshotRequest(NEW_SNAPSHOT, requester, volumeId, NEW_IMAGE, 8, null, null);
    }

    private static VolumeSnapshotTaken taken(List<WrittenBlock> written) {
        return new VolumeSnapshotTaken(ID, VOLUME, NEW_SNAPSHOT, OWNER, BASE, NEW_IMAGE, 8,
                "Created by CreateImage(" + ID + ") for " + NEW_IMAGE + " from " + VOLUME, null, 1, 1, written, AT,
                null);
    }

    private static VolumeSnapshotTaken failure(String code, String message) {
        return new VolumeSnapshotTaken(ID, VOLUME, NEW_SNAPSHOT, OWNER, NEW_SNAPSHOT, NEW_IMAGE, 8,
                "Created by CreateImage(" + ID + ") for " + NEW_IMAGE + " from " + VOLUME, null, 1, 1, List.of(), AT,
                new SnapshotFailure(code, message));
    }

    /** As the command loads an instance ID: folded, or never launched here. */
    private static Instance orUnlaunched(List<EventEnvelope> events) {
        Instance folded = Instance.fold(events);
        return folded != null ? folded : Instance.unlaunched(ID);
    }

    private static Decisions<Instance> given(InstanceState state) {
        return Decisions.given(Instance::fold, history(state));
    }

    private static InstanceEvent[] history(InstanceState state) {
        List<InstanceEvent> events = new ArrayList<>();
        events.add(new InstanceLaunched(ID, OWNER, IMAGE, OWNER, "t3.micro", "r-0123456789abcdef0", 0, "/dev/xvda",
                new RootVolume(VOLUME, BASE, 8), true, Instant.EPOCH, null));
        List<String> path = switch (state) {
            case PENDING -> List.of("pending");
            case RUNNING -> List.of("pending", "running");
            case STOPPING -> List.of("pending", "running", "stopping");
            case STOPPED -> List.of("pending", "running", "stopping", "stopped");
            case SHUTTING_DOWN -> List.of("pending", "running", "shutting-down");
            case TERMINATED -> List.of("pending", "running", "shutting-down", "terminated");
        };
        for (int i = 1; i < path.size(); i++) {
            events.add(new InstanceStateChanged(ID, OWNER, IMAGE, path.get(i - 1), path.get(i),
                    path.get(i).equals("running") ? null : USER_SHUTDOWN));
        }
        return events.toArray(InstanceEvent[]::new);
    }

    private static InstanceEvent[] append(InstanceEvent[] past, InstanceEvent... caused) {
        List<InstanceEvent> all = new ArrayList<>(List.of(past));
        all.addAll(List.of(caused));
        return all.toArray(InstanceEvent[]::new);
    }
}
