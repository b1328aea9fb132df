package dev.imageregistry.registry.image;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.idempotency.ClientTokens;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.registry.catalogue.ImageCatalogue;
import dev.imageregistry.registry.catalogue.ReadModelLock;
import dev.imageregistry.registry.image.ImageEvent.*;
import dev.imageregistry.registry.instances.ImageInstances;
import dev.imageregistry.registry.image.ImageRequests.*;

/**
 * Decides image commands: folds the image from its events, checks the rules against that state, appends the
 * new events at the version it read (a concurrent writer loses with ConcurrentModification) and projects them
 * into the describe view in the same transaction.
 */
@ApplicationScoped
@Transactional
public class ImageCommands {
    private static final Logger LOG = Logger.getLogger(ImageCommands.class);
    static final Duration PROTECTION_COOLDOWN = Duration.ofHours(24);

    private final EventStore events;
    private final ImageCatalogue catalogue;
    private final ReadModelLock lock;
    private final ClientTokens clientTokens;
    private final DataSource dataSource;
    private final ImageInstances instances;

    public ImageCommands(EventStore events, ImageCatalogue catalogue, ReadModelLock lock, ClientTokens clientTokens,
            DataSource dataSource, ImageInstances instances) {
        this.instances = instances;
        this.events = events;
        this.catalogue = catalogue;
        this.lock = lock;
        this.clientTokens = clientTokens;
        this.dataSource = dataSource;
    }

    public ImageIdResult register(String caller, RegisterImage request) {
        if (request == null) {
            throw Ec2Exception.missingParameter("Name");
        }
        ImageParameters.name(request.name());
        ImageParameters.description(request.description());
        ImageParameters.oneOf("Architecture", request.architecture(), ImageParameters.ARCHITECTURES);
        ImageParameters.oneOf("BootMode", request.bootMode(), ImageParameters.BOOT_MODES);
        ImageParameters.oneOf("VirtualizationType", request.virtualizationType(), ImageParameters.VIRTUALIZATION_TYPES);
        ImageParameters.oneOf("ImdsSupport", request.imdsSupport(), Set.of("v2.0"));
        ImageParameters.blockDeviceMappings(request.rootDeviceName(), request.blockDeviceMappings());
        List<Tag> tags = new ArrayList<>();
        if (request.tagSpecifications() != null) {
            for (TagSpecification specification : request.tagSpecifications()) {
                if (specification == null || !"image".equals(specification.resourceType())) {
                    throw Ec2Exception.invalidParameter("TagSpecification.ResourceType must be image.");
                }
                ImageParameters.tags(specification.tags(), true);
                tags.addAll(specification.tags());
            }
            ImageParameters.tags(tags, true);
        }
        return clientTokens.once(caller, "RegisterImage", request.clientToken(), request, ImageIdResult.class, () -> {
            lock.enter();
            String imageId = newImageId();
            claimName(caller, request.name(), imageId);
            List<BlockDeviceMapping> mappings = resolveSnapshots(caller, request.blockDeviceMappings());
            decide(Image.fold(imageId, List.of()), List.of(new ImageRegistered(imageId, caller, request.name(),
                    request.description(), request.architecture() == null ? "x86_64" : request.architecture(),
                    request.rootDeviceName(), "ebs", mappings, request.bootMode(),
                    request.virtualizationType() == null ? "hvm" : request.virtualizationType(), request.enaSupport(),
                    request.imdsSupport(), tags.isEmpty() ? null : tags, "available",
                    Instant.now().truncatedTo(ChronoUnit.MILLIS))));
            return new ImageIdResult(imageId);
        });
    }

    /** CopyImage, the destination's side: a pending image the region-replicator will fill (or fail). */
    public ImageIdResult copy(String caller, CopyImage request) {
        if (request == null || request.sourceRegion() == null) {
            throw Ec2Exception.missingParameter("SourceRegion");
        }
        if (!ImageParameters.REGION.matcher(request.sourceRegion()).matches()) {
            throw Ec2Exception.invalidParameter("Invalid region: " + ImageParameters.printable(request.sourceRegion()));
        }
        ImageParameters.imageId(request.sourceImageId());
        if (!ImageParameters.ISSUED_IMAGE_ID.matcher(request.sourceImageId()).matches()) {
            // Well formed (an ID of the older, 8-digit shape), but no Region of this registry has such an image.
            throw notFound(request.sourceImageId());
        }
        ImageParameters.name(request.name());
        ImageParameters.description(request.description());
        return clientTokens.once(caller, "CopyImage", request.clientToken(), request, ImageIdResult.class, () -> {
            lock.enter();
            String imageId = newImageId();
            claimName(caller, request.name(), imageId);
            decide(Image.fold(imageId, List.of()), List.of(new ImageCopyRequested(imageId, caller, request.name(),
                    request.description(), request.sourceImageId(), request.sourceRegion(),
                    Boolean.TRUE.equals(request.copyImageTags()), Instant.now().truncatedTo(ChronoUnit.MILLIS))));
            return new ImageIdResult(imageId);
        });
    }

    public Outcome modifyAttribute(String caller, String imageId, ModifyImageAttribute request) {
        ImageParameters.imageId(imageId);
        if (request == null || (request.launchPermission() == null && request.description() == null)) {
            throw Ec2Exception.missingParameter("LaunchPermission or Description");
        }
        if (request.description() != null) {
            ImageParameters.description(request.description().value());
            if (request.description().value() == null) {
                throw Ec2Exception.missingParameter("Description.Value");
            }
        }
        Set<String> addUsers = new LinkedHashSet<>();
        Set<String> addGroups = new LinkedHashSet<>();
        Set<String> removeUsers = new LinkedHashSet<>();
        Set<String> removeGroups = new LinkedHashSet<>();
        if (request.launchPermission() != null) {
            permissions(request.launchPermission().add(), addUsers, addGroups);
            permissions(request.launchPermission().remove(), removeUsers, removeGroups);
        }
        return clientTokens.once(caller, "ModifyImageAttribute:" + imageId, request.clientToken(), request,
                Outcome.class, () -> {
                    Image image = ownedImage(caller, imageId);
                    List<ImageEvent> decided = new ArrayList<>();
                    if (request.description() != null) {
                        decided.add(new ImageDescriptionChanged(imageId, request.description().value()));
                    }
                    if (!addUsers.isEmpty() || !addGroups.isEmpty()) {
                        if (!Image.AVAILABLE.equals(image.state())) {
                            throw incorrectState(image);
                        }
                        // The owner always may launch its image: naming itself adds nothing.
                        addUsers.remove(caller);
                        if (!addUsers.isEmpty() || !addGroups.isEmpty()) {
                            decided.add(new ImageShared(imageId, List.copyOf(addUsers), List.copyOf(addGroups)));
                        }
                    }
                    if (!removeUsers.isEmpty() || !removeGroups.isEmpty()) {
                        decided.add(new ImageUnshared(imageId, List.copyOf(removeUsers), List.copyOf(removeGroups)));
                    }
                    decide(image, decided);
                    return Outcome.TRUE;
                });
    }

    public Outcome resetLaunchPermission(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "ResetImageAttribute:" + imageId, clientToken, imageId, Outcome.class, () -> {
            Image image = ownedImage(caller, imageId);
            decide(image, unshareEverything(image));
            return Outcome.TRUE;
        });
    }

    public Outcome createTags(String caller, String imageId, CreateTags request) {
        ImageParameters.imageId(imageId);
        ImageParameters.tags(request == null ? null : request.tags(), true);
        return clientTokens.once(caller, "CreateTags:" + imageId, request.clientToken(), request, Outcome.class, () -> {
            Image image = ownedImage(caller, imageId);
            Set<String> keys = new LinkedHashSet<>(image.tags().keySet());
            request.tags().forEach(tag -> keys.add(tag.key()));
            if (keys.size() > ImageParameters.MAX_TAGS) {
                throw new Ec2Exception(400, "TagLimitExceeded",
                        "The maximum number of tags (" + ImageParameters.MAX_TAGS + ") for " + imageId + " would be exceeded.");
            }
            decide(image, List.of(new ImageTagged(imageId, request.tags())));
            return Outcome.TRUE;
        });
    }

    /** DeleteTags: no tags named deletes them all; a tag with a value is deleted only when the value matches. */
    public Outcome deleteTags(String caller, String imageId, DeleteTags request) {
        ImageParameters.imageId(imageId);
        List<Tag> named = request == null || request.tags() == null ? List.of() : request.tags();
        if (!named.isEmpty()) {
            ImageParameters.tags(named, false);
        }
        String token = request == null ? null : request.clientToken();
        return clientTokens.once(caller, "DeleteTags:" + imageId, token, named, Outcome.class, () -> {
            Image image = ownedImage(caller, imageId);
            List<String> keys = new ArrayList<>();
            if (named.isEmpty()) {
                keys.addAll(image.tags().keySet());
            } else {
                for (Tag tag : named) {
                    String current = image.tags().get(tag.key());
                    if (current != null && (tag.value() == null || tag.value().equals(current))) {
                        keys.add(tag.key());
                    }
                }
            }
            if (!keys.isEmpty()) {
                decide(image, List.of(new ImageUntagged(imageId, keys)));
            }
            return Outcome.TRUE;
        });
    }

    /** EnableImageDeprecation: the time is rounded to the minute and may not be in the past. */
    public Outcome deprecate(String caller, String imageId, EnableDeprecation request) {
        ImageParameters.imageId(imageId);
        if (request == null || request.deprecateAt() == null) {
            throw Ec2Exception.missingParameter("DeprecateAt");
        }
        Instant now = Instant.now();
        if (request.deprecateAt().isBefore(now.truncatedTo(ChronoUnit.MINUTES))) {
            throw Ec2Exception.invalidParameter("DeprecateAt must not be in the past.");
        }
        if (request.deprecateAt().isAfter(now.plus(Duration.ofDays(3653)))) {
            throw Ec2Exception.invalidParameter("DeprecateAt must be within 10 years.");
        }
        Instant rounded = request.deprecateAt().plusSeconds(30).truncatedTo(ChronoUnit.MINUTES);
        return clientTokens.once(caller, "EnableImageDeprecation:" + imageId, request.clientToken(), request,
                Outcome.class, () -> {
                    decide(ownedImage(caller, imageId), List.of(new ImageDeprecated(imageId, rounded)));
                    return Outcome.TRUE;
                });
    }

    public Outcome cancelDeprecation(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "DisableImageDeprecation:" + imageId, clientToken, imageId, Outcome.class,
                () -> {
                    Image image = ownedImage(caller, imageId);
                    if (image.deprecationTime() != null) {
                        decide(image, List.of(new ImageDeprecationCancelled(imageId)));
                    }
                    return Outcome.TRUE;
                });
    }

    /** DisableImage: every launch permission goes (ImageUnshared lists them), then the image is disabled. */
    public Outcome disable(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "DisableImage:" + imageId, clientToken, imageId, Outcome.class, () -> {
            Image image = ownedImage(caller, imageId);
            if (!Image.AVAILABLE.equals(image.state())) {
                throw incorrectState(image);
            }
            List<ImageEvent> decided = new ArrayList<>(unshareEverything(image));
            decided.add(new ImageDisabled(imageId));
            decide(image, decided);
            return Outcome.TRUE;
        });
    }

    /** EnableImage: available again, but launch permissions removed by disabling are not restored. */
    public Outcome enable(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "EnableImage:" + imageId, clientToken, imageId, Outcome.class, () -> {
            Image image = ownedImage(caller, imageId);
            if (!Image.DISABLED.equals(image.state())) {
                throw incorrectState(image);
            }
            decide(image, List.of(new ImageEnabled(imageId)));
            return Outcome.TRUE;
        });
    }

    public Outcome protect(String caller, String imageId, EnableDeregistrationProtection request) {
        ImageParameters.imageId(imageId);
        boolean withCooldown = request != null && Boolean.TRUE.equals(request.withCooldown());
        String token = request == null ? null : request.clientToken();
        return clientTokens.once(caller, "EnableImageDeregistrationProtection:" + imageId, token, withCooldown,
                Outcome.class, () -> {
                    decide(ownedImage(caller, imageId),
                            List.of(new ImageDeregistrationProtectionChanged(imageId, true, withCooldown, null)));
                    return Outcome.TRUE;
                });
    }

    public Outcome unprotect(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "DisableImageDeregistrationProtection:" + imageId, clientToken, imageId,
                Outcome.class, () -> {
                    Image image = ownedImage(caller, imageId);
                    if (image.protectionEnabled()) {
                        Instant until = image.protectionWithCooldown()
                                ? Instant.now().plus(PROTECTION_COOLDOWN).truncatedTo(ChronoUnit.SECONDS)
                                : null;
                        decide(image, List.of(new ImageDeregistrationProtectionChanged(imageId, false, null, until)));
                    }
                    return Outcome.TRUE;
                });
    }

    /** DeregisterImage; with deleteSnapshots the snapshot-service deletes them when it sees the event. */
    public Deregistration deregister(String caller, String imageId, boolean deleteSnapshots, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "DeregisterImage:" + imageId, clientToken, deleteSnapshots,
                Deregistration.class,
                () -> {
                    Image image = ownedImage(caller, imageId);
                    if (image.protectedAt(Instant.now())) {
                        throw Ec2Exception.badRequest("OperationNotPermitted", "The image " + imageId
                                + " has deregistration protection; disable it before deregistering.");
                    }
                    releaseName(caller, image.name(), imageId);
                    decide(image, List.of(new ImageDeregistered(imageId, caller, deleteSnapshots,
                            List.copyOf(image.snapshotIds()))));
                    int inUse = instances.inUse(imageId);
                    if (inUse == 0) {
                        return new Deregistration(true, null, null);
                    }
                    String instancesHave = inUse == 1 ? "1 instance launched from " + imageId + " has"
                            : inUse + " instances launched from " + imageId + " have";
                    return new Deregistration(true, inUse, List.of(new Warning("ImageInUse", instancesHave
                            + " not terminated; they keep running, but no new instance can be launched from it.")));
                });
    }

    /** ImageCopyAssigned, as the region-replicator reads it (a tolerant reader: unknown fields are ignored). */
    public record CopyAssignment(String imageId, String ownerId, String sourceRegion, String sourceImageId, String name,
            String description, Boolean copyImageTags, String dispatchedFrom) {
    }

    /**
     * A copy asked for in another Region's replicator with several destinations (one request, many Regions): this
     * Region's replicator passes it on as ImageCopyAssigned, and the registry opens the pending copy under the
     * image ID and owner the request was given, exactly as CopyImage would. Nobody waits for an answer here, so a
     * name this owner already uses fails the copy with InvalidAMIName.Duplicate instead of refusing it; the other
     * destinations go on regardless. A redelivered or replayed assignment finds the image and changes nothing.
     */
    public void copyAssigned(CopyAssignment assignment) {
        lock.enter();
        String imageId = assignment.imageId();
        Image image = load(imageId);
        if (image.exists()) {
            LOG.infof("ImageCopyAssigned for %s ignored: the copy is already open", imageId);
            return;
        }
        ImageCopyRequested requested = new ImageCopyRequested(imageId, assignment.ownerId(), assignment.name(),
                assignment.description(), assignment.sourceImageId(), assignment.sourceRegion(),
                Boolean.TRUE.equals(assignment.copyImageTags()), Instant.now().truncatedTo(ChronoUnit.MILLIS));
        StateReason refused = null;
        try {
            ImageParameters.name(assignment.name());
            ImageParameters.description(assignment.description());
            claimName(assignment.ownerId(), assignment.name(), imageId);
        } catch (Ec2Exception e) {
            refused = new StateReason(e.code(), e.getMessage());
        }
        decide(Image.fold(imageId, List.of()), refused == null ? List.of(requested)
                : List.of(requested, new ImageFailed(imageId, refused)));
    }

    /** ImageCopied from the region-replicator: the pending copy becomes available (once). */
    public void copyCompleted(String imageId, CopyResult copied) {
        lock.enter();
        Image image = load(imageId);
        if (!image.exists() || !Image.PENDING.equals(image.state())) {
            LOG.infof("ImageCopied for %s ignored: the image is %s", imageId, image.exists() ? image.state() : "unknown");
            return;
        }
        Map<String, String> snapshotMap = new HashMap<>();
        if (copied.snapshots() != null) {
            copied.snapshots().forEach(s -> snapshotMap.put(s.sourceSnapshotId(), s.snapshotId()));
        }
        List<BlockDeviceMapping> mappings = new ArrayList<>();
        if (copied.blockDeviceMappings() != null) {
            for (BlockDeviceMapping mapping : copied.blockDeviceMappings()) {
                Ebs ebs = mapping.ebs();
                if (ebs != null && ebs.snapshotId() != null) {
                    ebs = new Ebs(snapshotMap.getOrDefault(ebs.snapshotId(), ebs.snapshotId()), ebs.volumeSize(),
                            ebs.volumeType(), ebs.deleteOnTermination());
                }
                mappings.add(new BlockDeviceMapping(mapping.deviceName(), ebs));
            }
        }
        List<Tag> tags = image.copyImageTags() && copied.tags() != null && !copied.tags().isEmpty() ? copied.tags() : null;
        decide(image, List.of(new ImageAvailable(imageId, copied.architecture(), copied.rootDeviceName(), mappings,
                copied.bootMode(), copied.virtualizationType(), copied.enaSupport(), copied.imdsSupport(), tags)));
    }

    /** ImageCopyFailed from the region-replicator: the pending copy fails (once). */
    public void copyFailed(String imageId, StateReason reason) {
        lock.enter();
        Image image = load(imageId);
        if (!image.exists() || !Image.PENDING.equals(image.state())) {
            LOG.infof("ImageCopyFailed for %s ignored: the image is %s", imageId,
                    image.exists() ? image.state() : "unknown");
            return;
        }
        decide(image, List.of(new ImageFailed(imageId, reason)));
    }

    /** What the registry reads of ImageCopied (a tolerant reader: unknown fields are ignored). */
    public record CopyResult(String imageId, List<CopiedSnapshot> snapshots, String architecture, String rootDeviceName,
            List<BlockDeviceMapping> blockDeviceMappings, String bootMode, String virtualizationType,
            Boolean enaSupport, String imdsSupport, List<Tag> tags) {
    }

    public record CopiedSnapshot(String sourceSnapshotId, String snapshotId) {
    }

    private void decide(Image image, List<ImageEvent> decided) {
        if (decided.isEmpty()) {
            return;
        }
        List<EventEnvelope> appended = events.append(image.imageId(), image.version(), decided);
        for (int i = 0; i < appended.size(); i++) {
            catalogue.apply(appended.get(i), decided.get(i));
        }
    }

    private Image load(String imageId) {
        return Image.fold(imageId, events.load(imageId));
    }

    /** The image if the caller owns it; anyone else gets the answer for an image that does not exist. */
    private Image ownedImage(String caller, String imageId) {
        lock.enter();
        Image image = load(imageId);
        if (!image.ownedBy(caller)) {
            throw notFound(imageId);
        }
        return image;
    }

    public static Ec2Exception notFound(String imageId) {
        return Ec2Exception.notFound("InvalidAMIID.NotFound", "The image id '[" + imageId + "]' does not exist");
    }

    private static Ec2Exception incorrectState(Image image) {
        return Ec2Exception.badRequest("IncorrectState",
                "The image " + image.imageId() + " is " + image.state() + " and cannot take this action.");
    }

    private static List<ImageEvent> unshareEverything(Image image) {
        if (image.launchUsers().isEmpty() && !image.isPublic()) {
            return List.of();
        }
        return List.of(new ImageUnshared(image.imageId(), List.copyOf(image.launchUsers()),
                image.isPublic() ? List.of("all") : List.of()));
    }

    private static void permissions(List<LaunchPermission> permissions, Set<String> users, Set<String> groups) {
        if (permissions == null) {
            return;
        }
        if (permissions.size() > 100) {
            throw Ec2Exception.invalidParameter("At most 100 launch permissions may change in one request.");
        }
        for (LaunchPermission permission : permissions) {
            if (permission == null || (permission.userId() == null) == (permission.group() == null)) {
                throw Ec2Exception.invalidParameter("Each launch permission names either a UserId or a Group.");
            }
            if (permission.group() != null) {
                if (!"all".equals(permission.group())) {
                    throw Ec2Exception.badRequest("InvalidAMIAttributeItemValue", "Invalid attribute item value \""
                            + ImageParameters.printable(permission.group()) + "\" for group item type.");
                }
                groups.add("all");
            } else {
                ImageParameters.account(permission.userId());
                users.add(permission.userId());
            }
        }
    }

    private void claimName(String owner, String name, String imageId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement claim = connection.prepareStatement("insert into image_name_claim (owner_id, name, "
                        + "image_id) values (?, ?, ?) on conflict do nothing")) {
            claim.setString(1, owner);
            claim.setString(2, name);
            claim.setString(3, imageId);
            if (claim.executeUpdate() == 0) {
                throw Ec2Exception.badRequest("InvalidAMIName.Duplicate",
                        "AMI name " + name + " is already in use by an AMI of this account.");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not claim the image name", e);
        }
    }

    /** Releases the name only if this image holds it: a failed copy that never got its name must not free another's. */
    private void releaseName(String owner, String name, String imageId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement release = connection.prepareStatement(
                        "delete from image_name_claim where owner_id = ? and name = ? and image_id = ?")) {
            release.setString(1, owner);
            release.setString(2, name);
            release.setString(3, imageId);
            release.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not release the image name", e);
        }
    }

    /**
     * A mapping may name only a completed snapshot of this Region that the caller owns (as the snapshot-service
     * announced it). The volume size defaults to, and may not be smaller than, the snapshot's.
     */
    private List<BlockDeviceMapping> resolveSnapshots(String caller, List<BlockDeviceMapping> mappings) {
        Map<String, Integer> sizes = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("select snapshot_id, volume_size from "
                        + "known_snapshot where snapshot_id = any(?) and owner_id = ? and state = 'completed'")) {
            select.setArray(1, connection.createArrayOf("text",
                    mappings.stream().map(m -> m.ebs().snapshotId()).toArray(String[]::new)));
            select.setString(2, caller);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    sizes.put(rs.getString(1), rs.getInt(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not look up snapshots", e);
        }
        List<BlockDeviceMapping> resolved = new ArrayList<>();
        for (BlockDeviceMapping mapping : mappings) {
            Ebs ebs = mapping.ebs();
            Integer size = sizes.get(ebs.snapshotId());
            if (size == null) {
                throw Ec2Exception.notFound("InvalidSnapshot.NotFound",
                        "The snapshot '" + ebs.snapshotId() + "' does not exist.");
            }
            if (ebs.volumeSize() != null && ebs.volumeSize() < size) {
                throw Ec2Exception.invalidParameter("Volume of " + ebs.volumeSize() + " GiB is smaller than snapshot "
                        + ebs.snapshotId() + ", which is " + size + " GiB.");
            }
            resolved.add(new BlockDeviceMapping(mapping.deviceName(), new Ebs(ebs.snapshotId(),
                    ebs.volumeSize() == null ? size : ebs.volumeSize(),
                    ebs.volumeType() == null ? "gp3" : ebs.volumeType(),
                    ebs.deleteOnTermination() == null ? Boolean.TRUE : ebs.deleteOnTermination())));
        }
        return resolved;
    }

    static String newImageId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return String.format("ami-%016x%x", random.nextLong(), random.nextInt(16));
    }
}
