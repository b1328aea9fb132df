package dev.imageregistry.launch.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.infra.testing.Decisions;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.domain.InstanceEvent.RootVolume;
import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * Who may launch an image, and what a launch causes, as the image decides it without a server: given the image as
 * the read model knows it, when an account launches it, then the instances' InstanceLaunched events or EC2's
 * refusal. A caller who may not see the image is told it does not exist, exactly as for an unknown ID.
 */
class LaunchableImageTest {
    private static final String IMAGE = "ami-0123456789abcdef0";
    private static final String SNAPSHOT = "snap-0123456789abcdef0";
    private static final String OWNER = "111122223333";
    private static final String FRIEND = "444455556666";
    private static final String STRANGER = "777788889999";
    private static final Instant AT = Instant.parse("2026-03-01T12:00:00.123Z");

    /** An available image of OWNER shared with FRIEND: the owner and the friend launch it, nobody else sees it. */
    private static final LaunchableImage SHARED = image(LaunchableImage.AVAILABLE, false, false, Set.of(FRIEND));

    @Test
    void theOwnerLaunchesOneReservationOfPendingInstancesRootedOnTheImagesSnapshot() {
        whenLaunched(SHARED, OWNER, 2).then(
                launched("i-00000000000000001", OWNER, 0, "vol-00000000000000001"),
                launched("i-00000000000000002", OWNER, 1, "vol-00000000000000002"));
    }

    @Test
    void anAccountItIsSharedWithLaunchesItAndAnyoneOnceItIsPublic() {
        whenLaunched(SHARED, FRIEND, 1).then(launched("i-00000000000000001", FRIEND, 0, "vol-00000000000000001"));
        LaunchableImage open = image(LaunchableImage.AVAILABLE, false, true, Set.of());
        whenLaunched(open, STRANGER, 1).then(launched("i-00000000000000001", STRANGER, 0, "vol-00000000000000001"));
        assertTrue(open.mayBeLaunchedBy(STRANGER));
    }

    @Test
    void anyoneElseIsToldTheImageDoesNotExistAsForAnUnknownId() {
        Ec2Exception refused = whenLaunched(SHARED, STRANGER, 1).thenRefused("InvalidAMIID.NotFound");
        Ec2Exception unknown = LaunchableImage.unknown(IMAGE);
        assertEquals(unknown.code(), refused.code());
        assertEquals(unknown.getMessage(), refused.getMessage());
        assertEquals(unknown.status(), refused.status());
        assertFalse(SHARED.mayBeLaunchedBy(STRANGER));
        whenLaunched(image(LaunchableImage.AVAILABLE, false, false, Set.of()), FRIEND, 1)
                .thenRefused("InvalidAMIID.NotFound"); // unshared again
    }

    @Test
    void aDeregisteredImageIsNotFoundEvenForItsOwnerOrWhenPublic() {
        LaunchableImage deregistered = image(LaunchableImage.DEREGISTERED, false, true, Set.of(FRIEND));
        for (String account : List.of(OWNER, FRIEND, STRANGER)) {
            whenLaunched(deregistered, account, 1).thenRefused("InvalidAMIID.NotFound");
            assertFalse(deregistered.mayBeLaunchedBy(account));
        }
    }

    @Test
    void pendingFailedDisabledOrRootlessImagesAreUnavailableToThoseWhoSeeThem() {
        Map<String, LaunchableImage> unavailable = Map.of(
                "pending", image(LaunchableImage.PENDING, false, false, Set.of(FRIEND)),
                "failed", image(LaunchableImage.FAILED, false, false, Set.of(FRIEND)),
                "disabled", image(LaunchableImage.AVAILABLE, true, false, Set.of(FRIEND)),
                "available", new LaunchableImage(IMAGE, OWNER, LaunchableImage.AVAILABLE, false, false, Set.of(FRIEND),
                        null, null, null, true, null, 1));
        unavailable.forEach((why, image) -> {
            for (String account : List.of(OWNER, FRIEND)) {
                String message = whenLaunched(image, account, 1).thenRefused("InvalidAMIID.Unavailable").getMessage();
                assertEquals("The image id '[" + IMAGE + "]' is no longer available (" + why + ")", message);
                assertFalse(image.mayBeLaunchedBy(account));
            }
            whenLaunched(image, STRANGER, 1).thenRefused("InvalidAMIID.NotFound");
        });
    }

    @Test
    void aDeprecatedImageStaysLaunchable() {
        LaunchableImage deprecated = new LaunchableImage(IMAGE, OWNER, LaunchableImage.AVAILABLE, false, false,
                Set.of(), "/dev/xvda", SNAPSHOT, 8, true, AT.minusSeconds(86_400), 3);
        whenLaunched(deprecated, OWNER, 1).thenEvents();
        assertTrue(deprecated.mayBeLaunchedBy(OWNER));
    }

    @Test
    void theRootMappingShapesTheRootVolumeWithEc2sDefaults() {
        LaunchableImage mapped = new LaunchableImage(IMAGE, OWNER, LaunchableImage.AVAILABLE, false, false, Set.of(),
                "/dev/sda1", SNAPSHOT, 64, false, null, 2);
        InstanceLaunched big = (InstanceLaunched) whenLaunched(mapped, OWNER, 1).thenEvents().get(0);
        assertEquals("/dev/sda1", big.rootDeviceName());
        assertEquals(new RootVolume("vol-00000000000000001", SNAPSHOT, 64), big.rootVolume());
        assertFalse(big.deleteOnTermination());

        LaunchableImage bare = new LaunchableImage(IMAGE, OWNER, LaunchableImage.AVAILABLE, false, false, Set.of(),
                null, SNAPSHOT, null, true, null, 2);
        InstanceLaunched defaults = (InstanceLaunched) whenLaunched(bare, OWNER, 1).thenEvents().get(0);
        assertEquals("/dev/xvda", defaults.rootDeviceName());
        assertEquals(8, defaults.rootVolume().volumeSize());
    }

    @Test
    void theLaunchsTagsAreTheInstancesFirstTags() {
        List<Tag> tags = List.of(new Tag("team", "images"), new Tag("env", ""));
        Launch tagged = new Launch(IMAGE, 1, "m5.large", tags, null);
        InstanceLaunched launched = (InstanceLaunched) Decisions.givenNothing()
                .when(nothing -> SHARED.launch(OWNER, tagged, ids(), AT)).thenEvents().get(0);
        assertEquals(tags, launched.tags());
        assertEquals("m5.large", launched.instanceType());
        assertEquals(Map.of("team", "images", "env", ""),
                Decisions.given(Instance::fold, launched).state().tags());
    }

    // ---- fixtures

    private static LaunchableImage image(String state, boolean disabled, boolean isPublic, Set<String> sharedWith) {
        return new LaunchableImage(IMAGE, OWNER, state, disabled, isPublic, sharedWith, "/dev/xvda", SNAPSHOT, 8, true,
                null, 5);
    }

    private static Decisions.Outcome whenLaunched(LaunchableImage image, String account, int count) {
        Launch launch = new Launch(IMAGE, count, "t3.micro", List.of(), null);
        return Decisions.givenNothing().when(nothing -> image.launch(account, launch, ids(), AT));
    }

    private static InstanceLaunched launched(String instanceId, String account, int index, String volumeId) {
        return new InstanceLaunched(instanceId, account, IMAGE, OWNER, "t3.micro", "r-00000000000000001", index,
                "/dev/xvda", new RootVolume(volumeId, SNAPSHOT, 8), true, AT, null);
    }

    /** IDs issued in order, per kind, so that the decided events can be written out in full. */
    private static Function<ResourceKind, String> ids() {
        Map<ResourceKind, Integer> issued = new EnumMap<>(ResourceKind.class);
        return kind -> String.format("%s-%017x", kind.prefix(), issued.merge(kind, 1, Integer::sum));
    }
}
