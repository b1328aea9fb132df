package dev.imageregistry.registry.domain;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.imageregistry.platform.tags.TagRules;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.registry.domain.ImageEvent.*;
import dev.imageregistry.registry.domain.ImageRequests.CopyImage;
import dev.imageregistry.registry.domain.ImageRequests.CreateImage;
import dev.imageregistry.registry.domain.ImageRequests.RegisterImage;
import dev.imageregistry.registry.domain.ImageRequests.TagSpecification;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopiedSnapshot;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyAssignment;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyResult;

/**
 * An image, folded from its own events, and the decider of every command on it: each command is a method that
 * answers with the events it causes, or throws the refusal with EC2's code. It knows no framework, no SQL and no
 * clock (the time is passed in). The parameters of a request are checked before it gets here
 * ({@link ImageParameters}); what is decided here is what the image's state, its owner and the Region's other
 * facts (the caller's snapshots, the owner's names) allow.
 *
 * <p>It is folded from the event store on every command, never read from the describe view (which may be
 * mid-rebuild). Only the owner may change an image; anyone else is answered as if it did not exist.
 */
public final class Image {
    public static final String PENDING = "pending";
    public static final String AVAILABLE = "available";
    public static final String FAILED = "failed";
    public static final String DISABLED = "disabled";
    public static final String DEREGISTERED = "deregistered";
    /** How long deregistration stays refused after protection "with cooldown" is disabled. */
    public static final Duration PROTECTION_COOLDOWN = Duration.ofHours(24);

    private final String imageId;
    private long version;
    private String ownerId;
    private String name;
    private String state;
    private boolean copyImageTags;
    private final Set<String> launchUsers = new LinkedHashSet<>();
    private boolean isPublic;
    private final Map<String, String> tags = new LinkedHashMap<>();
    private Instant deprecationTime;
    private boolean protectionEnabled;
    private boolean protectionWithCooldown;
    private Instant cooldownUntil;
    private final List<String> snapshotIds = new ArrayList<>();
    /** The attributes an image made from this one's instances inherits (CreateImage). */
    private String architecture;
    private String rootDeviceName;
    private List<BlockDeviceMapping> blockDeviceMappings = List.of();
    private String bootMode;
    private String virtualizationType;
    private Boolean enaSupport;
    private String imdsSupport;
    /** While an image made from an instance is pending: the snapshot of the root volume it waits for. */
    private String awaitedSnapshot;

    private Image(String imageId) {
        this.imageId = imageId;
    }

    /** The image as its stored events left it; an ID without events is an image that does not exist (yet). */
    public static Image fold(String imageId, List<EventEnvelope> history) {
        Image image = new Image(imageId);
        for (EventEnvelope envelope : history) {
            Class<? extends ImageEvent> type = ImageEvent.typeOf(envelope.type());
            if (type != null) {
                image.apply(envelope.dataAs(type));
            }
            image.version = envelope.aggregateversion();
        }
        return image;
    }

    /** The image of a non-empty history (its ID is the envelopes' subject). */
    public static Image fold(List<EventEnvelope> history) {
        return fold(history.get(0).subject(), history);
    }

    // ---- Creating an image

    /**
     * RegisterImage: available at once. Each mapping must name a completed snapshot of the owner's in this Region
     * ({@code completedSnapshots}: their sizes in GiB, as the snapshot-service announced them); the volume size
     * defaults to the snapshot's and may not be smaller, the volume type to gp3, DeleteOnTermination to true.
     */
    public static List<ImageEvent> register(String imageId, String ownerId, RegisterImage request, NameClaims names,
            Map<String, Integer> completedSnapshots, Instant now) {
        claimName(names, ownerId, request.name(), imageId);
        List<BlockDeviceMapping> mappings = new ArrayList<>();
        for (BlockDeviceMapping mapping : request.blockDeviceMappings()) {
            Ebs ebs = mapping.ebs();
            Integer size = completedSnapshots.get(ebs.snapshotId());
            if (size == null) {
                throw Ec2Exception.notFound("InvalidSnapshot.NotFound",
                        "The snapshot '" + ebs.snapshotId() + "' does not exist.");
            }
            if (ebs.volumeSize() != null && ebs.volumeSize() < size) {
                throw Ec2Exception.invalidParameter("Volume of " + ebs.volumeSize() + " GiB is smaller than snapshot "
                        + ebs.snapshotId() + ", which is " + size + " GiB.");
            }
            mappings.add(new BlockDeviceMapping(mapping.deviceName(), new Ebs(ebs.snapshotId(),
                    ebs.volumeSize() == null ? size : ebs.volumeSize(),
                    ebs.volumeType() == null ? "gp3" : ebs.volumeType(),
                    ebs.deleteOnTermination() == null ? Boolean.TRUE : ebs.deleteOnTermination())));
        }
        List<Tag> tags = new ArrayList<>();
        if (request.tagSpecifications() != null) {
            request.tagSpecifications().stream().map(TagSpecification::tags).forEach(tags::addAll);
        }
        return List.of(new ImageRegistered(imageId, ownerId, request.name(), request.description(),
                request.architecture() == null ? "x86_64" : request.architecture(), request.rootDeviceName(), "ebs",
                mappings, request.bootMode(),
                request.virtualizationType() == null ? "hvm" : request.virtualizationType(), request.enaSupport(),
                request.imdsSupport(), tags.isEmpty() ? null : tags, AVAILABLE, now.truncatedTo(ChronoUnit.MILLIS)));
    }

    /** CopyImage, the destination's side: a pending image that the region-replicator will fill, or fail. */
    public static List<ImageEvent> requestCopy(String imageId, String ownerId, CopyImage request, NameClaims names,
            Instant now) {
        claimName(names, ownerId, request.name(), imageId);
        return List.of(new ImageCopyRequested(imageId, ownerId, request.name(), request.description(),
                request.sourceImageId(), request.sourceRegion(), Boolean.TRUE.equals(request.copyImageTags()),
                now.truncatedTo(ChronoUnit.MILLIS)));
    }

    /**
     * CreateImage: a pending image of the caller's instance. Its root device maps {@code snapshotId}, the snapshot
     * the root volume is about to become; every other attribute is the instance's image's (the image it was launched
     * from, even if that has been deregistered since). A mapping in the request may change the root device's volume
     * size (not below the volume's), type and DeleteOnTermination. An instance of another account does not exist
     * for the caller; one that is not running or stopped cannot be imaged (EC2's IncorrectInstanceState).
     */
    public static List<ImageEvent> createFromInstance(String imageId, String snapshotId, String caller,
            CreateImage request, SourceInstance instance, Image launchedFrom, NameClaims names, Instant now) {
        if (instance == null || !caller.equals(instance.ownerId())) {
            throw Ec2Exception.notFound("InvalidInstanceID.NotFound",
                    "The instance ID '" + request.instanceId() + "' does not exist");
        }
        if (!instance.imageable()) {
            throw Ec2Exception.badRequest("IncorrectInstanceState", "The instance '" + instance.instanceId()
                    + "' is not in a state from which an image can be created (it is " + instance.state() + ").");
        }
        String rootDevice = launchedFrom.rootDeviceName != null ? launchedFrom.rootDeviceName : "/dev/xvda";
        Ebs inherited = null;
        List<BlockDeviceMapping> mappings = new ArrayList<>();
        for (BlockDeviceMapping mapping : launchedFrom.blockDeviceMappings) {
            if (rootDevice.equals(mapping.deviceName())) {
                inherited = mapping.ebs();
            } else {
                mappings.add(mapping);
            }
        }
        Ebs root = rootVolume(snapshotId, instance, inherited, rootOverride(request, rootDevice));
        mappings.add(0, new BlockDeviceMapping(rootDevice, root));
        claimName(names, caller, request.name(), imageId);
        List<Tag> tags = new ArrayList<>();
        if (request.tagSpecifications() != null) {
            request.tagSpecifications().stream().map(TagSpecification::tags).forEach(tags::addAll);
        }
        return List.of(new ImageCreationRequested(imageId, caller, request.name(), request.description(),
                instance.instanceId(), instance.volumeId(), snapshotId,
                launchedFrom.architecture != null ? launchedFrom.architecture : "x86_64", rootDevice, mappings,
                launchedFrom.bootMode, launchedFrom.virtualizationType != null ? launchedFrom.virtualizationType : "hvm",
                launchedFrom.enaSupport, launchedFrom.imdsSupport, tags.isEmpty() ? null : tags,
                Boolean.TRUE.equals(request.noReboot()), now.truncatedTo(ChronoUnit.MILLIS)));
    }

    /** The request's mapping of the root device, if it has one; a mapping of any other device is refused. */
    private static Ebs rootOverride(CreateImage request, String rootDevice) {
        Ebs override = null;
        if (request.blockDeviceMappings() != null) {
            for (BlockDeviceMapping mapping : request.blockDeviceMappings()) {
                if (mapping == null || !rootDevice.equals(mapping.deviceName())) {
                    throw Ec2Exception.invalidParameter("Only the root device (" + rootDevice + ") has a volume to "
                            + "image; BlockDeviceMapping may change only its size, type and DeleteOnTermination.");
                }
                override = mapping.ebs();
            }
        }
        return override;
    }

    private static Ebs rootVolume(String snapshotId, SourceInstance instance, Ebs inherited, Ebs override) {
        int volumeSize = instance.volumeSize() != null ? instance.volumeSize()
                : inherited != null && inherited.volumeSize() != null ? inherited.volumeSize() : 8;
        Integer size = volumeSize;
        if (override != null && override.volumeSize() != null) {
            if (override.volumeSize() < volumeSize) {
                throw Ec2Exception.invalidParameter("Volume of " + override.volumeSize() + " GiB is smaller than the "
                        + "root volume of " + instance.instanceId() + ", which is " + volumeSize + " GiB.");
            }
            size = override.volumeSize();
        }
        String type = override != null && override.volumeType() != null ? override.volumeType()
                : inherited != null && inherited.volumeType() != null ? inherited.volumeType() : "gp3";
        Boolean deleteOnTermination = override != null && override.deleteOnTermination() != null
                ? override.deleteOnTermination()
                : inherited != null && inherited.deleteOnTermination() != null ? inherited.deleteOnTermination()
                        : Boolean.TRUE;
        return new Ebs(snapshotId, size, type, deleteOnTermination);
    }

    // ---- The snapshot-service's news of an image made from an instance

    /**
     * SnapshotCompleted of the root volume's snapshot: the pending image becomes available, with the attributes
     * CreateImage gave it. Any other image, or a second delivery, changes nothing.
     */
    public List<ImageEvent> completeCreation(String snapshotId) {
        if (!PENDING.equals(state) || !snapshotId.equals(awaitedSnapshot)) {
            return List.of();
        }
        return List.of(new ImageAvailable(imageId, architecture, rootDeviceName, blockDeviceMappings, bootMode,
                virtualizationType, enaSupport, imdsSupport, null));
    }

    /** SnapshotFailed of the root volume's snapshot: the pending image fails with the snapshot's reason. */
    public List<ImageEvent> failCreation(String snapshotId, StateReason reason) {
        if (!PENDING.equals(state) || !snapshotId.equals(awaitedSnapshot)) {
            return List.of();
        }
        return List.of(new ImageFailed(imageId, reason));
    }

    // ---- The region-replicator's reports on a copy

    /**
     * ImageCopyAssigned: the pending copy is opened under the image ID and owner the request was given, exactly as
     * CopyImage would. Nobody waits for an answer, so a name that CopyImage would refuse fails this copy instead
     * (and the other destinations go on regardless). An image that has a history already was opened by an earlier
     * delivery of the assignment: nothing changes.
     */
    public List<ImageEvent> openAssignedCopy(CopyAssignment assignment, NameClaims names, Instant now) {
        if (version > 0) {
            return List.of();
        }
        ImageCopyRequested requested = new ImageCopyRequested(imageId, assignment.ownerId(), assignment.name(),
                assignment.description(), assignment.sourceImageId(), assignment.sourceRegion(),
                Boolean.TRUE.equals(assignment.copyImageTags()), now.truncatedTo(ChronoUnit.MILLIS));
        try {
            ImageParameters.name(assignment.name());
            ImageParameters.description(assignment.description());
            claimName(names, assignment.ownerId(), assignment.name(), imageId);
        } catch (Ec2Exception refused) {
            return List.of(requested, new ImageFailed(imageId, new StateReason(refused.code(), refused.getMessage())));
        }
        return List.of(requested);
    }

    /**
     * ImageCopied: the pending copy becomes available, its mappings naming the copied snapshots, with the source's
     * tags only if CopyImageTags was asked for. A copy that is no longer pending ignores a second verdict.
     */
    public List<ImageEvent> completeCopy(CopyResult copied) {
        if (!PENDING.equals(state)) {
            return List.of();
        }
        Map<String, String> copies = new HashMap<>();
        if (copied.snapshots() != null) {
            for (CopiedSnapshot snapshot : copied.snapshots()) {
                copies.put(snapshot.sourceSnapshotId(), snapshot.snapshotId());
            }
        }
        List<BlockDeviceMapping> mappings = new ArrayList<>();
        if (copied.blockDeviceMappings() != null) {
            for (BlockDeviceMapping mapping : copied.blockDeviceMappings()) {
                Ebs ebs = mapping.ebs();
                if (ebs != null && ebs.snapshotId() != null) {
                    ebs = new Ebs(copies.getOrDefault(ebs.snapshotId(), ebs.snapshotId()), ebs.volumeSize(),
                            ebs.volumeType(), ebs.deleteOnTermination());
                }
                mappings.add(new BlockDeviceMapping(mapping.deviceName(), ebs));
            }
        }
        List<Tag> copiedTags = copyImageTags && copied.tags() != null && !copied.tags().isEmpty() ? copied.tags()
                : null;
        return List.of(new ImageAvailable(imageId, copied.architecture(), copied.rootDeviceName(), mappings,
                copied.bootMode(), copied.virtualizationType(), copied.enaSupport(), copied.imdsSupport(), copiedTags));
    }

    /** ImageCopyFailed: the pending copy fails with the replicator's reason; any other image ignores it. */
    public List<ImageEvent> failCopy(StateReason reason) {
        if (!PENDING.equals(state)) {
            return List.of();
        }
        return List.of(new ImageFailed(imageId, reason));
    }

    // ---- The owner's commands

    /**
     * ModifyImageAttribute: a new description, and launch permissions added (only to an available image) and
     * removed. The owner always may launch its image, so naming itself adds nothing.
     */
    public List<ImageEvent> modifyAttribute(String caller, AttributeChange change) {
        requireOwner(caller);
        List<ImageEvent> decided = new ArrayList<>();
        if (change.description() != null) {
            decided.add(new ImageDescriptionChanged(imageId, change.description()));
        }
        if (!change.addUsers().isEmpty() || !change.addGroups().isEmpty()) {
            if (!AVAILABLE.equals(state)) {
                throw incorrectState();
            }
            Set<String> users = new LinkedHashSet<>(change.addUsers());
            users.remove(caller);
            if (!users.isEmpty() || !change.addGroups().isEmpty()) {
                decided.add(new ImageShared(imageId, List.copyOf(users), List.copyOf(change.addGroups())));
            }
        }
        if (!change.removeUsers().isEmpty() || !change.removeGroups().isEmpty()) {
            decided.add(new ImageUnshared(imageId, List.copyOf(change.removeUsers()),
                    List.copyOf(change.removeGroups())));
        }
        return decided;
    }

    /** ResetImageAttribute launchPermission: the image becomes private again. */
    public List<ImageEvent> resetLaunchPermission(String caller) {
        requireOwner(caller);
        return unshareEverything();
    }

    /** CreateTags: a key named again takes the new value; the image may hold at most 50 keys. */
    public List<ImageEvent> createTags(String caller, List<Tag> added) {
        requireOwner(caller);
        Set<String> keys = new LinkedHashSet<>(tags.keySet());
        added.forEach(tag -> keys.add(tag.key()));
        if (keys.size() > ImageParameters.MAX_TAGS) {
            throw new Ec2Exception(400, "TagLimitExceeded", "The maximum number of tags (" + ImageParameters.MAX_TAGS
                    + ") for " + imageId + " would be exceeded.");
        }
        return List.of(new ImageTagged(imageId, added));
    }

    /** DeleteTags: no tags named deletes them all; a tag with a value is deleted only when the value matches. */
    public List<ImageEvent> deleteTags(String caller, List<Tag> named) {
        requireOwner(caller);
        List<String> keys = TagRules.keysToRemove(tags, named);
        return keys.isEmpty() ? List.of() : List.of(new ImageUntagged(imageId, keys));
    }

    /** EnableImageDeprecation at a time ImageParameters checked and rounded to the minute. */
    public List<ImageEvent> deprecate(String caller, Instant deprecationTime) {
        requireOwner(caller);
        return List.of(new ImageDeprecated(imageId, deprecationTime));
    }

    /** DisableImageDeprecation: nothing to cancel is no change. */
    public List<ImageEvent> cancelDeprecation(String caller) {
        requireOwner(caller);
        return deprecationTime == null ? List.of() : List.of(new ImageDeprecationCancelled(imageId));
    }

    /** DisableImage: an available image loses every launch permission (ImageUnshared lists them), then is disabled. */
    public List<ImageEvent> disable(String caller) {
        requireOwner(caller);
        if (!AVAILABLE.equals(state)) {
            throw incorrectState();
        }
        List<ImageEvent> decided = new ArrayList<>(unshareEverything());
        decided.add(new ImageDisabled(imageId));
        return decided;
    }

    /** EnableImage: a disabled image is available again; the launch permissions disabling removed stay removed. */
    public List<ImageEvent> enable(String caller) {
        requireOwner(caller);
        if (!DISABLED.equals(state)) {
            throw incorrectState();
        }
        return List.of(new ImageEnabled(imageId));
    }

    /** EnableImageDeregistrationProtection, optionally with a cooldown that outlives disabling it. */
    public List<ImageEvent> protect(String caller, boolean withCooldown) {
        requireOwner(caller);
        return List.of(new ImageDeregistrationProtectionChanged(imageId, true, withCooldown, null));
    }

    /**
     * DisableImageDeregistrationProtection: protection enabled with cooldown keeps refusing deregistration for 24
     * hours from now. Unprotected already is no change.
     */
    public List<ImageEvent> unprotect(String caller, Instant now) {
        requireOwner(caller);
        if (!protectionEnabled) {
            return List.of();
        }
        Instant until = protectionWithCooldown ? now.plus(PROTECTION_COOLDOWN).truncatedTo(ChronoUnit.SECONDS) : null;
        return List.of(new ImageDeregistrationProtectionChanged(imageId, false, null, until));
    }

    /**
     * DeregisterImage, refused while deregistration protection is in force; with {@code deleteSnapshots} the
     * snapshot-service deletes the image's snapshots when it sees the event.
     */
    public List<ImageEvent> deregister(String caller, boolean deleteSnapshots, Instant now) {
        requireOwner(caller);
        if (protectedAt(now)) {
            throw Ec2Exception.badRequest("OperationNotPermitted", "The image " + imageId
                    + " has deregistration protection; disable it before deregistering.");
        }
        return List.of(new ImageDeregistered(imageId, caller, deleteSnapshots, List.copyOf(snapshotIds)));
    }

    // ---- Rules shared by the commands

    /** The answer for an image the caller may not see, exactly as for one that does not exist. */
    public static Ec2Exception notFound(String imageId) {
        return Ec2Exception.notFound("InvalidAMIID.NotFound", "The image id '[" + imageId + "]' does not exist");
    }

    private static void claimName(NameClaims names, String ownerId, String name, String imageId) {
        if (!names.claim(ownerId, name, imageId)) {
            throw Ec2Exception.badRequest("InvalidAMIName.Duplicate",
                    "AMI name " + name + " is already in use by an AMI of this account.");
        }
    }

    private void requireOwner(String caller) {
        if (!ownedBy(caller)) {
            throw notFound(imageId);
        }
    }

    private Ec2Exception incorrectState() {
        return Ec2Exception.badRequest("IncorrectState",
                "The image " + imageId + " is " + state + " and cannot take this action.");
    }

    private List<ImageEvent> unshareEverything() {
        if (launchUsers.isEmpty() && !isPublic) {
            return List.of();
        }
        return List.of(new ImageUnshared(imageId, List.copyOf(launchUsers), isPublic ? List.of("all") : List.of()));
    }

    /** Deregistration protection in force at {@code now}: enabled, or disabled less than the cooldown ago. */
    public boolean protectedAt(Instant now) {
        return protectionEnabled || (cooldownUntil != null && now.isBefore(cooldownUntil));
    }

    /** Whether {@code account} may act on the image as its owner; others must not learn it exists. */
    public boolean ownedBy(String account) {
        return exists() && ownerId.equals(account);
    }

    public boolean exists() {
        return version > 0 && !DEREGISTERED.equals(state);
    }

    // ---- Folding

    private void apply(ImageEvent event) {
        // Java 17: no pattern-matching switch yet, so an instanceof chain over the sealed family.
        if (event instanceof ImageRegistered e) {
            ownerId = e.ownerId();
            name = e.name();
            state = AVAILABLE;
            mappings(e.blockDeviceMappings());
            attributes(e.architecture(), e.rootDeviceName(), e.blockDeviceMappings(), e.bootMode(),
                    e.virtualizationType(), e.enaSupport(), e.imdsSupport());
            tag(e.tags());
        } else if (event instanceof ImageCreationRequested e) {
            ownerId = e.ownerId();
            name = e.name();
            state = PENDING;
            awaitedSnapshot = e.snapshotId();
            mappings(e.blockDeviceMappings());
            attributes(e.architecture(), e.rootDeviceName(), e.blockDeviceMappings(), e.bootMode(),
                    e.virtualizationType(), e.enaSupport(), e.imdsSupport());
            tag(e.tags());
        } else if (event instanceof ImageCopyRequested e) {
            ownerId = e.ownerId();
            name = e.name();
            copyImageTags = e.copyImageTags();
            state = PENDING;
        } else if (event instanceof ImageAvailable e) {
            state = AVAILABLE;
            awaitedSnapshot = null;
            mappings(e.blockDeviceMappings());
            attributes(e.architecture(), e.rootDeviceName(), e.blockDeviceMappings(), e.bootMode(),
                    e.virtualizationType(), e.enaSupport(), e.imdsSupport());
            tag(e.tags());
        } else if (event instanceof ImageFailed) {
            state = FAILED;
            awaitedSnapshot = null;
        } else if (event instanceof ImageShared e) {
            launchUsers.addAll(e.userIds());
            isPublic |= e.groups().contains("all");
        } else if (event instanceof ImageUnshared e) {
            e.userIds().forEach(launchUsers::remove);
            isPublic &= !e.groups().contains("all");
        } else if (event instanceof ImageTagged e) {
            tag(e.tags());
        } else if (event instanceof ImageUntagged e) {
            e.keys().forEach(tags::remove);
        } else if (event instanceof ImageDeprecated e) {
            deprecationTime = e.deprecationTime();
        } else if (event instanceof ImageDeprecationCancelled) {
            deprecationTime = null;
        } else if (event instanceof ImageDisabled) {
            state = DISABLED;
        } else if (event instanceof ImageEnabled) {
            state = AVAILABLE;
        } else if (event instanceof ImageDeregistrationProtectionChanged e) {
            protectionEnabled = e.enabled();
            if (e.enabled()) {
                protectionWithCooldown = Boolean.TRUE.equals(e.withCooldown());
            }
            cooldownUntil = e.cooldownUntil();
        } else if (event instanceof ImageDeregistered) {
            state = DEREGISTERED;
        }
        // ImageDescriptionChanged changes nothing a decision reads.
    }

    private void attributes(String architecture, String rootDeviceName, List<BlockDeviceMapping> mappings,
            String bootMode, String virtualizationType, Boolean enaSupport, String imdsSupport) {
        this.architecture = architecture;
        this.rootDeviceName = rootDeviceName;
        this.blockDeviceMappings = mappings == null ? List.of() : List.copyOf(mappings);
        this.bootMode = bootMode;
        this.virtualizationType = virtualizationType;
        this.enaSupport = enaSupport;
        this.imdsSupport = imdsSupport;
    }

    private void mappings(List<BlockDeviceMapping> mappings) {
        if (mappings == null) {
            return;
        }
        snapshotIds.clear();
        for (BlockDeviceMapping mapping : mappings) {
            if (mapping.ebs() != null && mapping.ebs().snapshotId() != null) {
                snapshotIds.add(mapping.ebs().snapshotId());
            }
        }
    }

    private void tag(List<Tag> added) {
        if (added != null) {
            added.forEach(tag -> tags.put(tag.key(), tag.value()));
        }
    }

    // ---- State, for the commands' answers and for tests

    public String imageId() {
        return imageId;
    }

    public long version() {
        return version;
    }

    public String ownerId() {
        return ownerId;
    }

    public String name() {
        return name;
    }

    public String state() {
        return state;
    }

    public Set<String> launchUsers() {
        return Collections.unmodifiableSet(launchUsers);
    }

    public boolean isPublic() {
        return isPublic;
    }

    public Map<String, String> tags() {
        return Collections.unmodifiableMap(tags);
    }

    public Instant deprecationTime() {
        return deprecationTime;
    }

    public List<String> snapshotIds() {
        return Collections.unmodifiableList(snapshotIds);
    }
}
