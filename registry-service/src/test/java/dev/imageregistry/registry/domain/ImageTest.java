package dev.imageregistry.registry.domain;

import static dev.imageregistry.infra.testing.Decisions.given;
import static dev.imageregistry.infra.testing.Decisions.refusalOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.testing.Decisions;
import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.registry.domain.ImageEvent.*;
import dev.imageregistry.registry.domain.ImageRequests.*;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopiedSnapshot;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyAssignment;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyFailure;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyResult;

/**
 * Every rule of the image commands, without a server: given the image's events, when a command is decided (its
 * parameters checked as the command checks them, then the image asked), then these events, nothing, or EC2's
 * error. The HTTP tests keep to the wiring: the REST shape, the topic, the database.
 */
class ImageTest {
    static final String ALICE = "111111111111";
    static final String BOB = "222222222222";
    static final String CAROL = "333333333333";
    static final String IMAGE = "ami-0123456789abcdef0";
    static final String SOURCE = "ami-fedcba98765432100";
    static final String SNAPSHOT = "snap-0123456789abcdef0";
    static final Instant NOW = Instant.parse("2026-03-01T12:00:07.123456Z");

    static final ImageRegistered REGISTERED = new ImageRegistered(IMAGE, ALICE, "golden", null, "x86_64",
            "/dev/xvda", "ebs", List.of(new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, 8, "gp3", true))), null,
            "hvm", null, null, null, "available", Decisions.HISTORY_TIME);
    static final ImageCopyRequested COPY_REQUESTED = new ImageCopyRequested(IMAGE, ALICE, "golden", null, SOURCE,
            "eu-west-1", true, Decisions.HISTORY_TIME);
    static final ImageShared SHARED = new ImageShared(IMAGE, List.of(BOB, CAROL), List.of("all"));
    static final ImageDisabled DISABLED = new ImageDisabled(IMAGE);
    static final ImageDeregistered DEREGISTERED = new ImageDeregistered(IMAGE, ALICE, false, List.of(SNAPSHOT));

    static final NameClaims FREE = (owner, name, imageId) -> true;
    static final NameClaims TAKEN = (owner, name, imageId) -> false;

    /** Before a creating command: there is no image yet (the decider is a static method). */
    static Decisions<Image> givenNothing() {
        return Decisions.givenNothing();
    }

    /** An image that has had no event: the fold of an empty history under its ID. */
    static Decisions<Image> givenNoImage() {
        return given(history -> Image.fold(IMAGE, history));
    }

    static Tag tag(String key, String value) {
        return new Tag(key, value);
    }

    @Nested
    class Registering {
        final Map<String, Integer> aliceSnapshots = Map.of(SNAPSHOT, 8);

        Function<Image, List<ImageEvent>> registering(RegisterImage request, NameClaims names) {
            return nothing -> {
                ImageParameters.register(request);
                return Image.register(IMAGE, ALICE, request, names, aliceSnapshots, NOW);
            };
        }

        Function<Image, List<ImageEvent>> registering(Registration registration) {
            return registering(registration.request(), FREE);
        }

        @Test
        void anImageIsAvailableAtOnceWithEc2sDefaults() {
            givenNothing().when(registering(new Registration())).then(new ImageRegistered(IMAGE, ALICE,
                    "web server (v1.2) [prod]", null, "arm64", "/dev/xvda", "ebs",
                    List.of(new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, 8, "gp3", true))), "uefi", "hvm",
                    true, "v2.0", null, "available", NOW.truncatedTo(ChronoUnit.MILLIS)));
        }

        @Test
        void withoutArchitectureAnImageIsX86AndWhatTheMappingSaysIsKept() {
            Registration registration = new Registration().architecture(null)
                    .mappings(new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, 16, "st1", false)));
            ImageRegistered registered = (ImageRegistered) givenNothing().when(registering(registration)).thenEvents()
                    .get(0);
            assertEquals("x86_64", registered.architecture());
            assertEquals(List.of(new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, 16, "st1", false))),
                    registered.blockDeviceMappings());
        }

        @Test
        void theTagsOfEveryTagSpecificationAreTheImages() {
            Registration registration = new Registration().tagSpecifications(
                    new TagSpecification("image", List.of(tag("team", "os"))),
                    new TagSpecification("image", List.of(tag("env", "prod"))));
            ImageRegistered registered = (ImageRegistered) givenNothing().when(registering(registration)).thenEvents()
                    .get(0);
            assertEquals(List.of(tag("team", "os"), tag("env", "prod")), registered.tags());
        }

        @Test
        void aNameAnotherImageOfTheOwnerHoldsIsADuplicate() {
            givenNothing().when(registering(new Registration().request(), TAKEN))
                    .thenRefused("InvalidAMIName.Duplicate");
        }

        @Test
        void theNameIsClaimedForTheNewImageOfItsOwner() {
            List<String> claims = new ArrayList<>();
            NameClaims recording = (owner, name, imageId) -> claims.add(owner + "/" + name + "/" + imageId);
            givenNothing().when(registering(new Registration().name("golden").request(), recording)).thenEvents();
            assertEquals(List.of(ALICE + "/golden/" + IMAGE), claims);
        }

        @Test
        void aMappingMayNameOnlyACompletedSnapshotOfTheCaller() {
            // Unknown, someone else's, deleted or not completed: none is among the caller's completed snapshots.
            for (String snapshot : List.of("snap-0123456789abcdef1", "snap-1a2b3c4d")) {
                givenNothing().when(registering(new Registration()
                        .mappings(new BlockDeviceMapping("/dev/xvda", new Ebs(snapshot, null, null, null)))))
                        .thenRefused("InvalidSnapshot.NotFound");
            }
        }

        @Test
        void aVolumeMayNotBeSmallerThanItsSnapshot() {
            givenNothing().when(registering(new Registration()
                    .mappings(new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, 4, null, null)))))
                    .thenRefused("InvalidParameterValue");
        }

        @Test
        void namesAreThreeTo128CharactersOfEc2sAlphabet() {
            for (String name : List.of("ab", "bad*name", "x".repeat(129), "tab\there")) {
                givenNothing().when(registering(new Registration().name(name))).thenRefused("InvalidAMIName.Malformed");
            }
            for (String name : List.of("abc", "x".repeat(128), "web server (v1.2) [prod] ./-'@_")) {
                givenNothing().when(registering(new Registration().name(name))).thenEvents();
            }
            givenNothing().when(registering(new Registration().name(null))).thenRefused("MissingParameter");
        }

        @Test
        void noRequestAtAllMissesTheName() {
            assertEquals("MissingParameter", refusalOf(() -> ImageParameters.register(null)).code());
        }

        @Test
        void parametersOutsideEc2sValuesAreRefused() {
            List<Registration> refused = List.of(
                    new Registration().architecture("sparc"),
                    new Registration().bootMode("bios"),
                    new Registration().virtualizationType("pv"),
                    new Registration().imdsSupport("v1.0"),
                    new Registration().description("d".repeat(256)),
                    new Registration().rootDeviceName("/dev/sda1"),
                    new Registration().mappings(new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, 0, null, null))),
                    new Registration().mappings(new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, 65537, null,
                            null))),
                    new Registration().mappings(new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, null, "gp9",
                            null))),
                    new Registration().mappings(new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, null, null, null)),
                            new BlockDeviceMapping("/dev/xvda", new Ebs(SNAPSHOT, null, null, null))),
                    new Registration().rootDeviceName("c:").mappings(new BlockDeviceMapping("c:",
                            new Ebs(SNAPSHOT, null, null, null))),
                    new Registration().tagSpecifications(new TagSpecification("image",
                            List.of(tag("aws:owner", "x")))),
                    new Registration().tagSpecifications(new TagSpecification("snapshot", List.of(tag("k", "v")))));
            for (Registration registration : refused) {
                givenNothing().when(registering(registration)).thenRefused("InvalidParameterValue");
            }
        }

        @Test
        void aRootDeviceAndAtLeastOneMappingWithASnapshotAreRequired() {
            givenNothing().when(registering(new Registration().rootDeviceName(null))).thenRefused("MissingParameter");
            givenNothing().when(registering(new Registration().mappings())).thenRefused("MissingParameter");
            givenNothing().when(registering(new Registration().mappings(new BlockDeviceMapping("/dev/xvda", null))))
                    .thenRefused("MissingParameter");
        }

        @Test
        void atMost64MappingsAnd50TagsInAll() {
            List<BlockDeviceMapping> many = new ArrayList<>();
            for (int i = 0; i < 65; i++) {
                many.add(new BlockDeviceMapping("/dev/sd" + (char) ('a' + i / 26) + (char) ('a' + i % 26),
                        new Ebs(SNAPSHOT, null, null, null)));
            }
            givenNothing().when(registering(new Registration().rootDeviceName("/dev/sdaa")
                    .mappings(many.toArray(BlockDeviceMapping[]::new)))).thenRefused("InvalidParameterValue");
            List<Tag> thirty = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                thirty.add(tag("k" + i, "v"));
            }
            List<Tag> thirtyMore = thirty.stream().map(t -> tag("other-" + t.key(), "v")).toList();
            givenNothing().when(registering(new Registration().tagSpecifications(
                    new TagSpecification("image", thirty), new TagSpecification("image", thirtyMore))))
                    .thenRefused("TagLimitExceeded");
        }

        @Test
        void aSnapshotIdOfNoKnownShapeIsMalformedAndALegacyOneIsMerelyUnknown() {
            givenNothing().when(registering(new Registration()
                    .mappings(new BlockDeviceMapping("/dev/xvda", new Ebs("snap-nothex", null, null, null)))))
                    .thenRefused("InvalidSnapshotID.Malformed");
            givenNothing().when(registering(new Registration()
                    .mappings(new BlockDeviceMapping("/dev/xvda", new Ebs("snap-1a2b3c4d", null, null, null)))))
                    .thenRefused("InvalidSnapshot.NotFound");
        }
    }

    @Nested
    class Copying {
        Function<Image, List<ImageEvent>> copying(CopyImage request, NameClaims names) {
            return nothing -> {
                ImageParameters.copy(request);
                return Image.requestCopy(IMAGE, ALICE, request, names, NOW);
            };
        }

        @Test
        void aCopyIsAPendingImageTheReplicatorWillFill() {
            givenNothing().when(copying(new CopyImage("eu-west-1", SOURCE, "golden copy", "a copy", true, null), FREE))
                    .then(new ImageCopyRequested(IMAGE, ALICE, "golden copy", "a copy", SOURCE, "eu-west-1", true,
                            NOW.truncatedTo(ChronoUnit.MILLIS)));
            ImageCopyRequested requested = (ImageCopyRequested) givenNothing()
                    .when(copying(new CopyImage("eu-west-1", SOURCE, "golden copy", null, null, null), FREE))
                    .thenEvents().get(0);
            assertFalse(requested.copyImageTags(), "CopyImageTags is false unless asked for");
        }

        @Test
        void aCopyNeedsASourceRegionAndAWellFormedSourceImageAndName() {
            givenNothing().when(copying(new CopyImage(null, SOURCE, "copy-x", null, null, null), FREE))
                    .thenRefused("MissingParameter");
            givenNothing().when(copying(new CopyImage("moon", SOURCE, "copy-x", null, null, null), FREE))
                    .thenRefused("InvalidParameterValue");
            givenNothing().when(copying(new CopyImage("eu-west-1", "ami-1", "copy-x", null, null, null), FREE))
                    .thenRefused("InvalidAMIID.Malformed");
            givenNothing().when(copying(new CopyImage("eu-west-1", SOURCE, "x", null, null, null), FREE))
                    .thenRefused("InvalidAMIName.Malformed");
            givenNothing().when(copying(new CopyImage("eu-west-1", SOURCE, "copy-x", "d".repeat(256), null, null),
                    FREE)).thenRefused("InvalidParameterValue");
            assertEquals("MissingParameter", refusalOf(() -> ImageParameters.copy(null)).code());
        }

        /** No Region of this registry issued an 8-digit image ID, so a copy of one is not found at once. */
        @Test
        void aCopyOfALegacyImageIdIsNotFound() {
            givenNothing().when(copying(new CopyImage("eu-west-1", "ami-1a2b3c4d", "legacy", null, null, null), FREE))
                    .thenRefused("InvalidAMIID.NotFound");
        }

        @Test
        void aCopyTakesANameOfItsOwnerLikeRegisteringDoes() {
            givenNothing().when(copying(new CopyImage("eu-west-1", SOURCE, "golden", null, null, null), TAKEN))
                    .thenRefused("InvalidAMIName.Duplicate");
        }
    }

    /** The region-replicator's reports on a pending copy, from copy-events. */
    @Nested
    class CopyReports {
        final CopyAssignment assignment = new CopyAssignment(IMAGE, ALICE, "eu-west-1", SOURCE, "fan-out",
                "to every Region", true, "eu-west-1");
        final ImageCopyRequested opened = new ImageCopyRequested(IMAGE, ALICE, "fan-out", "to every Region", SOURCE,
                "eu-west-1", true, NOW.truncatedTo(ChronoUnit.MILLIS));
        final String sourceSnapshot = "snap-00000000000000001";
        final String copiedSnapshot = "snap-00000000000000002";
        final CopyResult copied = new CopyResult(IMAGE, List.of(new CopiedSnapshot(sourceSnapshot, copiedSnapshot)),
                "x86_64", "/dev/xvda", List.of(new BlockDeviceMapping("/dev/xvda",
                        new Ebs(sourceSnapshot, 8, "gp3", true))), "uefi", "hvm", true, "v2.0",
                List.of(tag("team", "os")));

        @Test
        void anAssignedCopyIsOpenedUnderTheGivenIdAndOwner() {
            givenNoImage().when(image -> image.openAssignedCopy(assignment, FREE, NOW)).then(opened);
        }

        @Test
        void aRedeliveredAssignmentFindsTheCopyAndChangesNothing() {
            given(Image::fold, COPY_REQUESTED).when(image -> image.openAssignedCopy(assignment, FREE, NOW))
                    .thenNothing();
            given(Image::fold, COPY_REQUESTED, new ImageFailed(IMAGE, new StateReason("x", "y")),
                    new ImageDeregistered(IMAGE, ALICE, false, List.of()))
                    .when(image -> image.openAssignedCopy(assignment, FREE, NOW)).thenNothing();
        }

        /** Nobody waits for an answer to an assignment: what CopyImage would refuse fails the copy instead. */
        @Test
        void anAssignedCopyWhoseNameIsTakenFails() {
            List<? extends DomainEvent> events = givenNoImage()
                    .when(image -> image.openAssignedCopy(assignment, TAKEN, NOW)).thenEvents();
            assertEquals(opened, events.get(0));
            ImageFailed failed = (ImageFailed) events.get(1);
            assertEquals(2, events.size());
            assertEquals("InvalidAMIName.Duplicate", failed.stateReason().code());
            assertEquals("AMI name fan-out is already in use by an AMI of this account.", failed.stateReason().message());
        }

        @Test
        void anAssignedCopyWithAMalformedNameFailsWithoutClaimingIt() {
            List<String> claims = new ArrayList<>();
            NameClaims recording = (owner, name, imageId) -> claims.add(name);
            CopyAssignment malformed = new CopyAssignment(IMAGE, ALICE, "eu-west-1", SOURCE, "x", null, false, null);
            List<? extends DomainEvent> events = givenNoImage()
                    .when(image -> image.openAssignedCopy(malformed, recording, NOW)).thenEvents();
            assertEquals("InvalidAMIName.Malformed", ((ImageFailed) events.get(1)).stateReason().code());
            assertEquals(List.of(), claims);
        }

        @Test
        void anAssignmentMustNameAnIssuedImageAnAccountARegionAndASource() {
            assertTrue(assignment.isComplete());
            for (CopyAssignment incomplete : List.of(
                    new CopyAssignment("ami-1a2b3c4d", ALICE, "eu-west-1", SOURCE, "n", null, null, null),
                    new CopyAssignment(null, ALICE, "eu-west-1", SOURCE, "n", null, null, null),
                    new CopyAssignment(IMAGE, "alice", "eu-west-1", SOURCE, "n", null, null, null),
                    new CopyAssignment(IMAGE, null, "eu-west-1", SOURCE, "n", null, null, null),
                    new CopyAssignment(IMAGE, ALICE, "moon", SOURCE, "n", null, null, null),
                    new CopyAssignment(IMAGE, ALICE, null, SOURCE, "n", null, null, null),
                    new CopyAssignment(IMAGE, ALICE, "eu-west-1", null, "n", null, null, null))) {
                assertFalse(incomplete.isComplete(), incomplete.toString());
            }
        }

        @Test
        void aCopiedImageIsAvailableOnItsCopiedSnapshotsWithTheSourcesTags() {
            given(Image::fold, COPY_REQUESTED).when(image -> image.completeCopy(copied)).then(new ImageAvailable(IMAGE,
                    "x86_64", "/dev/xvda", List.of(new BlockDeviceMapping("/dev/xvda",
                            new Ebs(copiedSnapshot, 8, "gp3", true))), "uefi", "hvm", true, "v2.0",
                    List.of(tag("team", "os"))));
        }

        @Test
        void theSourcesTagsComeOnlyWithCopyImageTags() {
            ImageCopyRequested withoutTags = new ImageCopyRequested(IMAGE, ALICE, "golden", null, SOURCE,
                    "eu-west-1", false, Decisions.HISTORY_TIME);
            ImageAvailable available = (ImageAvailable) given(Image::fold, withoutTags)
                    .when(image -> image.completeCopy(copied)).thenEvents().get(0);
            assertNull(available.tags());
        }

        @Test
        void aCopyThatIsNoLongerPendingIgnoresAnotherVerdict() {
            ImageAvailable available = new ImageAvailable(IMAGE, "x86_64", "/dev/xvda", List.of(), null, null, null,
                    null, null);
            ImageFailed failed = new ImageFailed(IMAGE, new StateReason("Client.SourceGone", "gone"));
            given(Image::fold, COPY_REQUESTED, available).when(image -> image.completeCopy(copied)).thenNothing();
            given(Image::fold, COPY_REQUESTED, available).when(image -> image.failCopy(failed.stateReason()))
                    .thenNothing();
            given(Image::fold, COPY_REQUESTED, failed).when(image -> image.completeCopy(copied)).thenNothing();
            given(Image::fold, REGISTERED).when(image -> image.completeCopy(copied)).thenNothing();
            givenNoImage().when(image -> image.failCopy(failed.stateReason())).thenNothing();
        }

        @Test
        void aFailedCopyFailsWithTheReplicatorsReasonOrAGeneralOne() {
            StateReason gone = new StateReason("Client.SourceGone", "The source image was deregistered.");
            given(Image::fold, COPY_REQUESTED).when(image -> image.failCopy(new CopyFailure(IMAGE, gone).reason()))
                    .then(new ImageFailed(IMAGE, gone));
            assertEquals(new StateReason("Client.CopyFailed", "The copy failed."), new CopyFailure(IMAGE, null).reason());
        }

        @Test
        void aCopiedImageIsDeregisteredWithItsCopiedSnapshots() {
            ImageAvailable available = new ImageAvailable(IMAGE, "x86_64", "/dev/xvda", List.of(new BlockDeviceMapping(
                    "/dev/xvda", new Ebs(copiedSnapshot, 8, "gp3", true))), null, null, null, null, null);
            given(Image::fold, COPY_REQUESTED, available).when(image -> image.deregister(ALICE, true, NOW))
                    .then(new ImageDeregistered(IMAGE, ALICE, true, List.of(copiedSnapshot)));
        }
    }

    @Nested
    class LaunchPermissions {
        Function<Image, List<ImageEvent>> modifying(String caller, ModifyImageAttribute request) {
            return image -> image.modifyAttribute(caller, ImageParameters.attributeChange(request));
        }

        ModifyImageAttribute adding(LaunchPermission... permissions) {
            return new ModifyImageAttribute(new LaunchPermissionModifications(List.of(permissions), null), null, null);
        }

        ModifyImageAttribute removing(LaunchPermission... permissions) {
            return new ModifyImageAttribute(new LaunchPermissionModifications(null, List.of(permissions)), null, null);
        }

        @Test
        void theDescriptionChanges() {
            given(Image::fold, REGISTERED).when(modifying(ALICE, new ModifyImageAttribute(null,
                    new AttributeValue("the golden image"), null)))
                    .then(new ImageDescriptionChanged(IMAGE, "the golden image"));
        }

        @Test
        void anImageIsSharedWithAccountsAndMadePublic() {
            given(Image::fold, REGISTERED).when(modifying(ALICE, adding(new LaunchPermission(BOB, null),
                    new LaunchPermission(null, "all")))).then(new ImageShared(IMAGE, List.of(BOB), List.of("all")));
        }

        @Test
        void theOwnerNamingItselfAddsNothing() {
            given(Image::fold, REGISTERED).when(modifying(ALICE, adding(new LaunchPermission(ALICE, null))))
                    .thenNothing();
            given(Image::fold, REGISTERED).when(modifying(ALICE, adding(new LaunchPermission(ALICE, null),
                    new LaunchPermission(BOB, null)))).then(new ImageShared(IMAGE, List.of(BOB), List.of()));
        }

        @Test
        void permissionsAreRemovedAndADescriptionChangedInOneRequest() {
            ModifyImageAttribute everything = new ModifyImageAttribute(new LaunchPermissionModifications(
                    List.of(new LaunchPermission(CAROL, null)), List.of(new LaunchPermission(null, "all"),
                            new LaunchPermission(BOB, null))), new AttributeValue("changed"), null);
            given(Image::fold, REGISTERED, SHARED).when(modifying(ALICE, everything)).then(
                    new ImageDescriptionChanged(IMAGE, "changed"),
                    new ImageShared(IMAGE, List.of(CAROL), List.of()),
                    new ImageUnshared(IMAGE, List.of(BOB), List.of("all")));
        }

        @Test
        void onlyAnAvailableImageIsShared() {
            given(Image::fold, REGISTERED, DISABLED).when(modifying(ALICE, adding(new LaunchPermission(BOB, null))))
                    .thenRefused("IncorrectState");
            given(Image::fold, COPY_REQUESTED).when(modifying(ALICE, adding(new LaunchPermission(null, "all"))))
                    .thenRefused("IncorrectState");
            given(Image::fold, REGISTERED, DISABLED).when(modifying(ALICE, removing(new LaunchPermission(BOB, null))))
                    .then(new ImageUnshared(IMAGE, List.of(BOB), List.of()));
        }

        @Test
        void aPermissionNamesATwelveDigitAccountOrTheGroupAll() {
            given(Image::fold, REGISTERED).when(modifying(ALICE, adding(new LaunchPermission("12345", null))))
                    .thenRefused("InvalidAMIAttributeItemValue");
            given(Image::fold, REGISTERED).when(modifying(ALICE, adding(new LaunchPermission(null, "everyone"))))
                    .thenRefused("InvalidAMIAttributeItemValue");
            given(Image::fold, REGISTERED).when(modifying(ALICE, adding(new LaunchPermission(BOB, "all"))))
                    .thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(modifying(ALICE, removing(new LaunchPermission(null, null))))
                    .thenRefused("InvalidParameterValue");
        }

        @Test
        void atMostAHundredPermissionsChangeInOneRequest() {
            List<LaunchPermission> many = new ArrayList<>();
            for (int i = 0; i < 101; i++) {
                many.add(new LaunchPermission(String.format("%012d", i), null));
            }
            given(Image::fold, REGISTERED).when(modifying(ALICE, adding(many.toArray(LaunchPermission[]::new))))
                    .thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(modifying(ALICE, adding(many.subList(0, 100)
                    .toArray(LaunchPermission[]::new)))).thenEvents();
        }

        @Test
        void aModificationNamesSomethingToModify() {
            given(Image::fold, REGISTERED).when(modifying(ALICE, new ModifyImageAttribute(null, null, null)))
                    .thenRefused("MissingParameter");
            given(Image::fold, REGISTERED).when(modifying(ALICE, null)).thenRefused("MissingParameter");
            given(Image::fold, REGISTERED).when(modifying(ALICE, new ModifyImageAttribute(null,
                    new AttributeValue(null), null))).thenRefused("MissingParameter");
            given(Image::fold, REGISTERED).when(modifying(ALICE, new ModifyImageAttribute(null,
                    new AttributeValue("d".repeat(256)), null))).thenRefused("InvalidParameterValue");
        }

        @Test
        void resettingMakesTheImagePrivateAgain() {
            given(Image::fold, REGISTERED, SHARED).when(image -> image.resetLaunchPermission(ALICE))
                    .then(new ImageUnshared(IMAGE, List.of(BOB, CAROL), List.of("all")));
            given(Image::fold, REGISTERED).when(image -> image.resetLaunchPermission(ALICE)).thenNothing();
            given(Image::fold, REGISTERED, SHARED, new ImageUnshared(IMAGE, List.of(BOB, CAROL), List.of("all")))
                    .when(image -> image.resetLaunchPermission(ALICE)).thenNothing();
        }
    }

    @Nested
    class Tags {
        Function<Image, List<ImageEvent>> creating(List<Tag> tags) {
            return image -> image.createTags(ALICE, ImageParameters.tagsToCreate(new CreateTags(tags, null)));
        }

        Function<Image, List<ImageEvent>> deleting(List<Tag> tags) {
            return image -> image.deleteTags(ALICE, ImageParameters.tagsToDelete(new DeleteTags(tags, null)));
        }

        final ImageTagged tagged = new ImageTagged(IMAGE, List.of(tag("env", "prod"), tag("team", "os")));

        List<Tag> keys(String prefix, int count) {
            List<Tag> tags = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                tags.add(tag(prefix + i, "v"));
            }
            return tags;
        }

        @Test
        void tagsAreCreated() {
            given(Image::fold, REGISTERED).when(creating(List.of(tag("env", "prod"), tag("team", "os"))))
                    .then(tagged);
        }

        @Test
        void anImageHoldsAtMostFiftyKeys() {
            given(Image::fold, REGISTERED, new ImageTagged(IMAGE, List.of(tag("team", "os"))))
                    .when(creating(keys("k", 50))).thenRefused("TagLimitExceeded");
            given(Image::fold, REGISTERED, new ImageTagged(IMAGE, keys("k", 49))).when(creating(keys("k", 50)))
                    .thenEvents();
            given(Image::fold, REGISTERED, new ImageTagged(IMAGE, keys("k", 50)))
                    .when(creating(List.of(tag("k7", "new value")))).thenEvents();
            given(Image::fold, REGISTERED).when(creating(keys("k", 51))).thenRefused("TagLimitExceeded");
        }

        @Test
        void keysAndValuesKeepToEc2sLimits() {
            given(Image::fold, REGISTERED).when(creating(List.of(tag("aws:x", "v")))).thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(creating(List.of(tag("AWS:x", "v")))).thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(creating(List.of(tag("k", "v".repeat(257)))))
                    .thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(creating(List.of(tag("k".repeat(129), "v"))))
                    .thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(creating(List.of(tag("", "v")))).thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(creating(List.of(tag("k", null)))).thenRefused("MissingParameter");
            given(Image::fold, REGISTERED).when(creating(List.of())).thenRefused("MissingParameter");
            given(Image::fold, REGISTERED).when(image -> image.createTags(ALICE, ImageParameters.tagsToCreate(null)))
                    .thenRefused("MissingParameter");
            given(Image::fold, REGISTERED).when(creating(List.of(tag("k", "")))).thenEvents();
        }

        @Test
        void aTagIsDeletedByKeyOrByKeyAndItsValue() {
            given(Image::fold, REGISTERED, tagged).when(deleting(List.of(tag("env", "staging")))).thenNothing();
            given(Image::fold, REGISTERED, tagged).when(deleting(List.of(tag("env", "prod"))))
                    .then(new ImageUntagged(IMAGE, List.of("env")));
            given(Image::fold, REGISTERED, tagged).when(deleting(List.of(tag("env", null))))
                    .then(new ImageUntagged(IMAGE, List.of("env")));
            given(Image::fold, REGISTERED, tagged).when(deleting(List.of(tag("colour", null)))).thenNothing();
            given(Image::fold, REGISTERED, tagged).when(deleting(List.of(tag("env", null), tag("env", "prod"))))
                    .then(new ImageUntagged(IMAGE, List.of("env")));
            given(Image::fold, REGISTERED, tagged).when(deleting(List.of(tag("aws:x", null))))
                    .thenRefused("InvalidParameterValue");
        }

        @Test
        void deletingWithoutNamingTagsDeletesThemAll() {
            given(Image::fold, REGISTERED, tagged).when(deleting(null))
                    .then(new ImageUntagged(IMAGE, List.of("env", "team")));
            given(Image::fold, REGISTERED, tagged).when(image -> image.deleteTags(ALICE,
                    ImageParameters.tagsToDelete(null))).then(new ImageUntagged(IMAGE, List.of("env", "team")));
            given(Image::fold, REGISTERED, tagged, new ImageUntagged(IMAGE, List.of("env", "team")))
                    .when(deleting(List.of())).thenNothing();
        }
    }

    @Nested
    class Deprecation {
        Function<Image, List<ImageEvent>> deprecating(Instant at) {
            return image -> image.deprecate(ALICE, ImageParameters.deprecationTime(new EnableDeprecation(at, null),
                    NOW));
        }

        @Test
        void theTimeIsRoundedToTheNearestMinute() {
            Instant minute = NOW.plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MINUTES);
            given(Image::fold, REGISTERED).when(deprecating(minute.plusSeconds(41)))
                    .then(new ImageDeprecated(IMAGE, minute.plusSeconds(60)));
            given(Image::fold, REGISTERED).when(deprecating(minute.plusSeconds(29)))
                    .then(new ImageDeprecated(IMAGE, minute));
        }

        /** The current minute is not in the past, and rounds to a time that has already come. */
        @Test
        void theCurrentMinuteIsNotInThePast() {
            given(Image::fold, REGISTERED).when(deprecating(NOW.truncatedTo(ChronoUnit.MINUTES)))
                    .then(new ImageDeprecated(IMAGE, NOW.truncatedTo(ChronoUnit.MINUTES)));
        }

        @Test
        void theTimeIsNeitherPastNorMoreThanTenYearsAhead() {
            given(Image::fold, REGISTERED).when(deprecating(NOW.minus(1, ChronoUnit.HOURS)))
                    .thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(deprecating(NOW.truncatedTo(ChronoUnit.MINUTES).minusMillis(1)))
                    .thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(deprecating(NOW.plus(Duration.ofDays(3654))))
                    .thenRefused("InvalidParameterValue");
            given(Image::fold, REGISTERED).when(deprecating(NOW.plus(Duration.ofDays(3650)))).thenEvents();
            given(Image::fold, REGISTERED).when(deprecating(null)).thenRefused("MissingParameter");
            assertEquals("MissingParameter", refusalOf(() -> ImageParameters.deprecationTime(null, NOW)).code());
        }

        @Test
        void cancellingEndsADeprecationAndIsNoChangeWithoutOne() {
            ImageDeprecated deprecated = new ImageDeprecated(IMAGE, NOW.plus(1, ChronoUnit.DAYS));
            given(Image::fold, REGISTERED, deprecated).when(image -> image.cancelDeprecation(ALICE))
                    .then(new ImageDeprecationCancelled(IMAGE));
            given(Image::fold, REGISTERED).when(image -> image.cancelDeprecation(ALICE)).thenNothing();
            given(Image::fold, REGISTERED, deprecated, new ImageDeprecationCancelled(IMAGE))
                    .when(image -> image.cancelDeprecation(ALICE)).thenNothing();
        }
    }

    @Nested
    class DisablingAndEnabling {
        @Test
        void disablingRemovesEveryLaunchPermission() {
            given(Image::fold, REGISTERED, SHARED).when(image -> image.disable(ALICE))
                    .then(new ImageUnshared(IMAGE, List.of(BOB, CAROL), List.of("all")), DISABLED);
            given(Image::fold, REGISTERED).when(image -> image.disable(ALICE)).then(DISABLED);
        }

        @Test
        void onlyAnAvailableImageIsDisabled() {
            given(Image::fold, REGISTERED, DISABLED).when(image -> image.disable(ALICE)).thenRefused("IncorrectState");
            given(Image::fold, COPY_REQUESTED).when(image -> image.disable(ALICE)).thenRefused("IncorrectState");
            given(Image::fold, COPY_REQUESTED, new ImageFailed(IMAGE, new StateReason("x", "y")))
                    .when(image -> image.disable(ALICE)).thenRefused("IncorrectState");
        }

        @Test
        void onlyADisabledImageIsEnabled() {
            given(Image::fold, REGISTERED, DISABLED).when(image -> image.enable(ALICE)).then(new ImageEnabled(IMAGE));
            given(Image::fold, REGISTERED).when(image -> image.enable(ALICE)).thenRefused("IncorrectState");
        }

        @Test
        void enablingDoesNotRestoreTheLaunchPermissionsDisablingRemoved() {
            Decisions<Image> enabled = given(Image::fold, REGISTERED, SHARED,
                    new ImageUnshared(IMAGE, List.of(BOB, CAROL), List.of("all")), DISABLED, new ImageEnabled(IMAGE));
            assertEquals(Image.AVAILABLE, enabled.state().state());
            assertEquals(List.of(), List.copyOf(enabled.state().launchUsers()));
            assertFalse(enabled.state().isPublic());
            enabled.when(image -> image.resetLaunchPermission(ALICE)).thenNothing();
        }
    }

    @Nested
    class DeregistrationProtection {
        final ImageDeregistrationProtectionChanged on = new ImageDeregistrationProtectionChanged(IMAGE, true, false,
                null);
        final ImageDeregistrationProtectionChanged onWithCooldown = new ImageDeregistrationProtectionChanged(IMAGE,
                true, true, null);
        final Instant cooldownEnds = NOW.plus(Duration.ofHours(24)).truncatedTo(ChronoUnit.SECONDS);
        final ImageDeregistrationProtectionChanged offUntil = new ImageDeregistrationProtectionChanged(IMAGE, false,
                null, cooldownEnds);

        @Test
        void protectionIsEnabledWithOrWithoutCooldown() {
            given(Image::fold, REGISTERED).when(image -> image.protect(ALICE, false)).then(on);
            given(Image::fold, REGISTERED).when(image -> image.protect(ALICE, true)).then(onWithCooldown);
        }

        @Test
        void disablingProtectionWithCooldownKeepsItFor24Hours() {
            given(Image::fold, REGISTERED, onWithCooldown).when(image -> image.unprotect(ALICE, NOW)).then(offUntil);
            given(Image::fold, REGISTERED, on).when(image -> image.unprotect(ALICE, NOW))
                    .then(new ImageDeregistrationProtectionChanged(IMAGE, false, null, null));
            given(Image::fold, REGISTERED, onWithCooldown, on).when(image -> image.unprotect(ALICE, NOW))
                    .then(new ImageDeregistrationProtectionChanged(IMAGE, false, null, null));
        }

        @Test
        void disablingProtectionThatIsOffIsNoChange() {
            given(Image::fold, REGISTERED).when(image -> image.unprotect(ALICE, NOW)).thenNothing();
            given(Image::fold, REGISTERED, onWithCooldown, offUntil).when(image -> image.unprotect(ALICE, NOW))
                    .thenNothing();
        }

        @Test
        void aProtectedImageIsNotDeregistered() {
            given(Image::fold, REGISTERED, on).when(image -> image.deregister(ALICE, false, NOW))
                    .thenRefused("OperationNotPermitted");
            given(Image::fold, REGISTERED, onWithCooldown, offUntil)
                    .when(image -> image.deregister(ALICE, false, cooldownEnds.minusSeconds(1)))
                    .thenRefused("OperationNotPermitted");
            given(Image::fold, REGISTERED, onWithCooldown, offUntil)
                    .when(image -> image.deregister(ALICE, false, cooldownEnds)).then(DEREGISTERED);
            given(Image::fold, REGISTERED, on, new ImageDeregistrationProtectionChanged(IMAGE, false, null, null))
                    .when(image -> image.deregister(ALICE, false, NOW)).then(DEREGISTERED);
        }
    }

    @Nested
    class Deregistration {
        @Test
        void aDeregisteredImageNamesItsSnapshotsForTheSnapshotService() {
            given(Image::fold, REGISTERED).when(image -> image.deregister(ALICE, true, NOW))
                    .then(new ImageDeregistered(IMAGE, ALICE, true, List.of(SNAPSHOT)));
            given(Image::fold, REGISTERED).when(image -> image.deregister(ALICE, false, NOW)).then(DEREGISTERED);
        }

        @Test
        void aDeregisteredImageIsGoneForEveryCommand() {
            for (Function<Image, List<ImageEvent>> command : everyOwnersCommand(ALICE)) {
                given(Image::fold, REGISTERED, DEREGISTERED).when(command).thenRefused("InvalidAMIID.NotFound");
            }
        }
    }

    /** Only the owner changes an image; anyone else, also an account it is shared with, learns nothing of it. */
    @Nested
    class Ownership {
        @Test
        void everyChangeByAnotherAccountIsAnsweredAsForAnImageThatDoesNotExist() {
            for (String other : List.of(BOB, CAROL)) {
                for (Function<Image, List<ImageEvent>> command : everyOwnersCommand(other)) {
                    Decisions.Outcome outcome = given(Image::fold, REGISTERED, SHARED).when(command);
                    assertEquals("The image id '[" + IMAGE + "]' does not exist",
                            outcome.thenRefused("InvalidAMIID.NotFound").getMessage());
                }
            }
        }

        @Test
        void anImageWithoutEventsDoesNotExist() {
            for (Function<Image, List<ImageEvent>> command : everyOwnersCommand(ALICE)) {
                givenNoImage().when(command).thenRefused("InvalidAMIID.NotFound");
            }
        }
    }

    @Nested
    class ImageIds {
        @Test
        void anImageIdIsOfEc2sShapeOldOrNew() {
            ImageParameters.imageId("ami-1a2b3c4d");
            ImageParameters.imageId(IMAGE);
            assertEquals("InvalidAMIID.Malformed", refusalOf(() -> ImageParameters.imageId("not-an-image")).code());
            assertEquals("Invalid id: \"not-an-image\"",
                    refusalOf(() -> ImageParameters.imageId("not-an-image")).getMessage());
            assertEquals("MissingParameter", refusalOf(() -> ImageParameters.imageId("")).code());
            assertEquals("MissingParameter", refusalOf(() -> ImageParameters.imageId(null)).code());
        }

        @Test
        void aFoldOfStoredEventsKnowsTheImageByTheirSubject() {
            List<EventEnvelope> history = Decisions.envelopes(List.of(REGISTERED, SHARED));
            Image image = Image.fold(history);
            assertEquals(IMAGE, image.imageId());
            assertEquals(2, image.version());
            assertTrue(image.ownedBy(ALICE));
            assertFalse(image.ownedBy(BOB));
        }
    }

    /** Every command of the owner, as {@code caller} would send it. */
    static List<Function<Image, List<ImageEvent>>> everyOwnersCommand(String caller) {
        return List.of(
                image -> image.modifyAttribute(caller, ImageParameters.attributeChange(new ModifyImageAttribute(null,
                        new AttributeValue("mine now"), null))),
                image -> image.modifyAttribute(caller, ImageParameters.attributeChange(new ModifyImageAttribute(
                        new LaunchPermissionModifications(List.of(new LaunchPermission(caller, null)), null), null,
                        null))),
                image -> image.resetLaunchPermission(caller),
                image -> image.createTags(caller, List.of(tag("k", "v"))),
                image -> image.deleteTags(caller, List.of()),
                image -> image.deprecate(caller, NOW.plus(1, ChronoUnit.DAYS)),
                image -> image.cancelDeprecation(caller),
                image -> image.disable(caller),
                image -> image.enable(caller),
                image -> image.protect(caller, false),
                image -> image.unprotect(caller, NOW),
                image -> image.deregister(caller, false, NOW));
    }

    /** A RegisterImage request as the HTTP tests send it, to vary one parameter at a time. */
    static final class Registration {
        private String name = "web server (v1.2) [prod]";
        private String description;
        private String architecture = "arm64";
        private String rootDeviceName = "/dev/xvda";
        private List<BlockDeviceMapping> mappings = List.of(new BlockDeviceMapping("/dev/xvda",
                new Ebs(SNAPSHOT, null, null, null)));
        private String bootMode = "uefi";
        private String virtualizationType;
        private String imdsSupport = "v2.0";
        private List<TagSpecification> tagSpecifications;

        Registration name(String value) {
            name = value;
            return this;
        }

        Registration description(String value) {
            description = value;
            return this;
        }

        Registration architecture(String value) {
            architecture = value;
            return this;
        }

        Registration rootDeviceName(String value) {
            rootDeviceName = value;
            return this;
        }

        Registration mappings(BlockDeviceMapping... value) {
            mappings = java.util.Arrays.asList(value);
            return this;
        }

        Registration bootMode(String value) {
            bootMode = value;
            return this;
        }

        Registration virtualizationType(String value) {
            virtualizationType = value;
            return this;
        }

        Registration imdsSupport(String value) {
            imdsSupport = value;
            return this;
        }

        Registration tagSpecifications(TagSpecification... value) {
            tagSpecifications = List.of(value);
            return this;
        }

        RegisterImage request() {
            return new RegisterImage(name, description, architecture, rootDeviceName, mappings, bootMode,
                    virtualizationType, true, imdsSupport, tagSpecifications, null);
        }
    }

    @Nested
    class FromAnInstance {
        static final String INSTANCE = "i-0123456789abcdef0";
        static final String VOLUME = "vol-0123456789abcdef0";
        static final String NEW_IMAGE = "ami-0aaaaaaaaaaaaaaa1";
        static final String NEW_SNAPSHOT = "snap-0aaaaaaaaaaaaaaa1";
        final SourceInstance running = new SourceInstance(INSTANCE, ALICE, "running", IMAGE, VOLUME, 16);

        /** The image the instance was launched from, as the registry folds it. */
        Image launchedFrom() {
            return given(Image::fold, REGISTERED).state();
        }

        Function<Image, List<ImageEvent>> creating(CreateImage request, SourceInstance instance, NameClaims names) {
            return nothing -> {
                ImageParameters.createImage(request);
                return Image.createFromInstance(NEW_IMAGE, NEW_SNAPSHOT, ALICE, request, instance, launchedFrom(),
                        names, NOW);
            };
        }

        CreateImage request(String name, List<BlockDeviceMapping> mappings) {
            return new CreateImage(INSTANCE, name, "baked", null, mappings,
                    List.of(new TagSpecification("image", List.of(tag("stage", "baked")))), null);
        }

        ImageCreationRequested requested() {
            return new ImageCreationRequested(NEW_IMAGE, ALICE, "golden-baked", "baked", INSTANCE, VOLUME,
                    NEW_SNAPSHOT, "x86_64", "/dev/xvda",
                    List.of(new BlockDeviceMapping("/dev/xvda", new Ebs(NEW_SNAPSHOT, 16, "gp3", true))), null, "hvm",
                    null, null, List.of(tag("stage", "baked")), false, NOW.truncatedTo(ChronoUnit.MILLIS));
        }

        @Test
        void theRootDeviceMapsTheNewSnapshotOfTheVolumeAndTheRestIsTheLaunchedImages() {
            givenNothing().when(creating(request("golden-baked", null), running, FREE)).then(requested());
        }

        @Test
        void aStoppedInstanceIsImagedAsARunningOneIs() {
            SourceInstance stopped = new SourceInstance(INSTANCE, ALICE, "stopped", IMAGE, VOLUME, 16);
            givenNothing().when(creating(request("golden-baked", null), stopped, FREE)).then(requested());
        }

        @Test
        void anotherAccountsOrAnUnknownInstanceDoesNotExist() {
            SourceInstance bobs = new SourceInstance(INSTANCE, BOB, "running", IMAGE, VOLUME, 16);
            givenNothing().when(creating(request("golden-baked", null), bobs, FREE))
                    .thenRefused("InvalidInstanceID.NotFound");
            givenNothing().when(creating(request("golden-baked", null), null, FREE))
                    .thenRefused("InvalidInstanceID.NotFound");
        }

        @Test
        void aTerminatedOrNotYetRunningInstanceCannotBeImaged() {
            for (SourceInstance instance : List.of(new SourceInstance(INSTANCE, ALICE, "terminated", IMAGE, VOLUME, 16),
                    new SourceInstance(INSTANCE, ALICE, "shutting-down", IMAGE, VOLUME, 16),
                    new SourceInstance(INSTANCE, ALICE, "pending", IMAGE, null, null))) {
                givenNothing().when(creating(request("golden-baked", null), instance, FREE))
                        .thenRefused("IncorrectInstanceState");
            }
        }

        @Test
        void theOwnersNameMayNotBeTakenAndMustBeAnAmiName() {
            givenNothing().when(creating(request("golden-baked", null), running, TAKEN))
                    .thenRefused("InvalidAMIName.Duplicate");
            givenNothing().when(creating(request("no", null), running, FREE)).thenRefused("InvalidAMIName.Malformed");
        }

        @Test
        void aMappingMayGrowTheRootVolumeButNotShrinkItNorNameASnapshotOrAnotherDevice() {
            ImageCreationRequested grown = (ImageCreationRequested) givenNothing().when(creating(request("golden-baked",
                    List.of(new BlockDeviceMapping("/dev/xvda", new Ebs(null, 32, "io2", false)))), running, FREE))
                    .thenEvents().get(0);
            assertEquals(new Ebs(NEW_SNAPSHOT, 32, "io2", false), grown.blockDeviceMappings().get(0).ebs());
            givenNothing().when(creating(request("golden-baked", List.of(new BlockDeviceMapping("/dev/xvda",
                    new Ebs(null, 8, null, null)))), running, FREE)).thenRefused("InvalidParameterValue");
            givenNothing().when(creating(request("golden-baked", List.of(new BlockDeviceMapping("/dev/xvda",
                    new Ebs(SNAPSHOT, null, null, null)))), running, FREE)).thenRefused("InvalidParameterValue");
            givenNothing().when(creating(request("golden-baked", List.of(new BlockDeviceMapping("/dev/sdb",
                    new Ebs(null, 8, null, null)))), running, FREE)).thenRefused("InvalidParameterValue");
        }

        @Test
        void theInstanceIdMustBeOne() {
            assertEquals("InvalidInstanceID.Malformed", refusalOf(() -> ImageParameters.createImage(new CreateImage(
                    "ami-0123456789abcdef0", "golden-baked", null, null, null, null, null))).code());
            assertEquals("MissingParameter", refusalOf(() -> ImageParameters.createImage(new CreateImage(null,
                    "golden-baked", null, null, null, null, null))).code());
        }

        @Test
        void theImageIsAvailableOnceTheAwaitedSnapshotCompletesAndOnlyOnce() {
            Decisions<Image> pending = given(history -> Image.fold(NEW_IMAGE, history), requested());
            assertEquals(Image.PENDING, pending.state().state());
            pending.when(image -> image.completeCreation(NEW_SNAPSHOT)).then(new ImageAvailable(NEW_IMAGE, "x86_64",
                    "/dev/xvda", requested().blockDeviceMappings(), null, "hvm", null, null, null));
            pending.when(image -> image.completeCreation(SNAPSHOT)).thenNothing();
            given(history -> Image.fold(NEW_IMAGE, history), requested(), new ImageAvailable(NEW_IMAGE, "x86_64",
                    "/dev/xvda", requested().blockDeviceMappings(), null, "hvm", null, null, null))
                    .when(image -> image.completeCreation(NEW_SNAPSHOT)).thenNothing();
        }

        @Test
        void theImageFailsWhenTheAwaitedSnapshotFails() {
            StateReason reason = new StateReason("Client.SnapshotFailed", "timed out");
            given(history -> Image.fold(NEW_IMAGE, history), requested())
                    .when(image -> image.failCreation(NEW_SNAPSHOT, reason)).then(new ImageFailed(NEW_IMAGE, reason));
            given(history -> Image.fold(NEW_IMAGE, history), requested(), new ImageFailed(NEW_IMAGE, reason))
                    .when(image -> image.failCreation(NEW_SNAPSHOT, reason)).thenNothing();
        }
    }
}
