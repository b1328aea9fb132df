package dev.imageregistry.registry.commands;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.idempotency.ClientTokens;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.registry.commands.ImageAnswers.Deregistration;
import dev.imageregistry.registry.commands.ImageAnswers.ImageIdResult;
import dev.imageregistry.registry.commands.ImageAnswers.Outcome;
import dev.imageregistry.registry.domain.AttributeChange;
import dev.imageregistry.registry.domain.Image;
import dev.imageregistry.registry.domain.ImageEvent;
import dev.imageregistry.registry.domain.ImageEvent.StateReason;
import dev.imageregistry.registry.domain.ImageEvent.Tag;
import dev.imageregistry.registry.domain.ImageParameters;
import dev.imageregistry.registry.domain.ImageRequests.*;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyAssignment;
import dev.imageregistry.registry.domain.ReplicatorEvents.CopyResult;
import dev.imageregistry.registry.domain.SourceInstance;
import dev.imageregistry.registry.persistence.ImageCatalogue;
import dev.imageregistry.registry.persistence.ImageInstances;
import dev.imageregistry.registry.persistence.ImageNameClaims;
import dev.imageregistry.registry.persistence.KnownSnapshots;

/**
 * The image commands, each the same four steps in one transaction: load the image from its events, let it
 * decide ({@link Image}), append what it decided at the version it read (a concurrent writer loses with
 * ConcurrentModification), and project that into the describe view (read-your-writes). A request's parameters are
 * checked first and a client token makes a retry return the first answer.
 */
@ApplicationScoped
@Transactional
public class ImageCommands {
    private static final Logger LOG = Logger.getLogger(ImageCommands.class);

    private final EventStore events;
    private final ImageCatalogue catalogue;
    private final ClientTokens clientTokens;
    private final ImageNameClaims names;
    private final KnownSnapshots snapshots;
    private final ImageInstances instances;

    public ImageCommands(EventStore events, ImageCatalogue catalogue, ClientTokens clientTokens,
            ImageNameClaims names, KnownSnapshots snapshots, ImageInstances instances) {
        this.events = events;
        this.catalogue = catalogue;
        this.clientTokens = clientTokens;
        this.names = names;
        this.snapshots = snapshots;
        this.instances = instances;
    }

    public ImageIdResult register(String caller, RegisterImage request) {
        ImageParameters.register(request);
        return clientTokens.once(caller, "RegisterImage", request.clientToken(), request, ImageIdResult.class, () -> {
            catalogue.lockShared();
            String imageId = ResourceKind.IMAGE.next();
            Map<String, Integer> completed = snapshots.completedSizes(caller,
                    request.blockDeviceMappings().stream().map(mapping -> mapping.ebs().snapshotId()).toList());
            append(imageId, 0, Image.register(imageId, caller, request, names, completed, Instant.now()));
            return new ImageIdResult(imageId);
        });
    }

    /**
     * CreateImage: a pending image of the caller's instance, its root volume's snapshot named now and made by the
     * launch-service and the snapshot-service (ImageCreationRequested → VolumeSnapshotTaken → SnapshotCompleted).
     */
    public ImageIdResult createImage(String caller, CreateImage request) {
        ImageParameters.createImage(request);
        return clientTokens.once(caller, "CreateImage", request.clientToken(), request, ImageIdResult.class, () -> {
            catalogue.lockShared();
            SourceInstance instance = instances.instance(request.instanceId()).orElse(null);
            Image launchedFrom = instance == null ? null : load(instance.imageId());
            String imageId = ResourceKind.IMAGE.next();
            append(imageId, 0, Image.createFromInstance(imageId, ResourceKind.SNAPSHOT.next(), caller, request,
                    instance, launchedFrom, names, Instant.now()));
            return new ImageIdResult(imageId);
        });
    }

    /** CopyImage, the destination's side: a pending image the region-replicator will fill (or fail). */
    public ImageIdResult copy(String caller, CopyImage request) {
        ImageParameters.copy(request);
        return clientTokens.once(caller, "CopyImage", request.clientToken(), request, ImageIdResult.class, () -> {
            catalogue.lockShared();
            String imageId = ResourceKind.IMAGE.next();
            append(imageId, 0, Image.requestCopy(imageId, caller, request, names, Instant.now()));
            return new ImageIdResult(imageId);
        });
    }

    public Outcome modifyAttribute(String caller, String imageId, ModifyImageAttribute request) {
        ImageParameters.imageId(imageId);
        AttributeChange change = ImageParameters.attributeChange(request);
        return clientTokens.once(caller, "ModifyImageAttribute:" + imageId, request.clientToken(), request,
                Outcome.class, () -> decide(imageId, image -> image.modifyAttribute(caller, change)));
    }

    public Outcome resetLaunchPermission(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "ResetImageAttribute:" + imageId, clientToken, imageId, Outcome.class,
                () -> decide(imageId, image -> image.resetLaunchPermission(caller)));
    }

    public Outcome createTags(String caller, String imageId, CreateTags request) {
        ImageParameters.imageId(imageId);
        List<Tag> tags = ImageParameters.tagsToCreate(request);
        return clientTokens.once(caller, "CreateTags:" + imageId, request.clientToken(), request, Outcome.class,
                () -> decide(imageId, image -> image.createTags(caller, tags)));
    }

    public Outcome deleteTags(String caller, String imageId, DeleteTags request) {
        ImageParameters.imageId(imageId);
        List<Tag> named = ImageParameters.tagsToDelete(request);
        String token = request == null ? null : request.clientToken();
        return clientTokens.once(caller, "DeleteTags:" + imageId, token, named, Outcome.class,
                () -> decide(imageId, image -> image.deleteTags(caller, named)));
    }

    public Outcome deprecate(String caller, String imageId, EnableDeprecation request) {
        ImageParameters.imageId(imageId);
        Instant deprecationTime = ImageParameters.deprecationTime(request, Instant.now());
        return clientTokens.once(caller, "EnableImageDeprecation:" + imageId, request.clientToken(), request,
                Outcome.class, () -> decide(imageId, image -> image.deprecate(caller, deprecationTime)));
    }

    public Outcome cancelDeprecation(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "DisableImageDeprecation:" + imageId, clientToken, imageId, Outcome.class,
                () -> decide(imageId, image -> image.cancelDeprecation(caller)));
    }

    public Outcome disable(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "DisableImage:" + imageId, clientToken, imageId, Outcome.class,
                () -> decide(imageId, image -> image.disable(caller)));
    }

    public Outcome enable(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "EnableImage:" + imageId, clientToken, imageId, Outcome.class,
                () -> decide(imageId, image -> image.enable(caller)));
    }

    public Outcome protect(String caller, String imageId, EnableDeregistrationProtection request) {
        ImageParameters.imageId(imageId);
        boolean withCooldown = request != null && Boolean.TRUE.equals(request.withCooldown());
        String token = request == null ? null : request.clientToken();
        return clientTokens.once(caller, "EnableImageDeregistrationProtection:" + imageId, token, withCooldown,
                Outcome.class, () -> decide(imageId, image -> image.protect(caller, withCooldown)));
    }

    public Outcome unprotect(String caller, String imageId, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "DisableImageDeregistrationProtection:" + imageId, clientToken, imageId,
                Outcome.class, () -> decide(imageId, image -> image.unprotect(caller, Instant.now())));
    }

    /** DeregisterImage: the name is free again, and the answer warns of instances still running from the image. */
    public Deregistration deregister(String caller, String imageId, boolean deleteSnapshots, String clientToken) {
        ImageParameters.imageId(imageId);
        return clientTokens.once(caller, "DeregisterImage:" + imageId, clientToken, deleteSnapshots,
                Deregistration.class, () -> {
                    catalogue.lockShared();
                    Image image = load(imageId);
                    append(imageId, image.version(), image.deregister(caller, deleteSnapshots, Instant.now()));
                    names.release(caller, image.name(), imageId);
                    return Deregistration.of(imageId, instances.inUse(imageId));
                });
    }

    /**
     * ImageCopyAssigned, passed on by this Region's replicator: the pending copy is opened under the ID and owner
     * the request was given. A redelivered or replayed assignment finds the image and changes nothing.
     */
    public void copyAssigned(CopyAssignment assignment) {
        catalogue.lockShared();
        Image image = load(assignment.imageId());
        List<ImageEvent> decided = image.openAssignedCopy(assignment, names, Instant.now());
        if (decided.isEmpty()) {
            LOG.infof("ImageCopyAssigned for %s ignored: the copy is already open", assignment.imageId());
        }
        append(image.imageId(), image.version(), decided);
    }

    /** ImageCopied from the region-replicator: the pending copy becomes available (once). */
    public void copyCompleted(String imageId, CopyResult copied) {
        verdict("ImageCopied", imageId, image -> image.completeCopy(copied));
    }

    /** ImageCopyFailed from the region-replicator: the pending copy fails (once). */
    public void copyFailed(String imageId, StateReason reason) {
        verdict("ImageCopyFailed", imageId, image -> image.failCopy(reason));
    }

    /** SnapshotCompleted: the pending image made from an instance that waits for this snapshot becomes available. */
    public void snapshotCompleted(String snapshotId) {
        catalogue.awaiting(snapshotId).ifPresent(imageId -> verdict("SnapshotCompleted", imageId,
                image -> image.completeCreation(snapshotId)));
    }

    /** SnapshotFailed: the pending image made from an instance that waits for this snapshot fails. */
    public void snapshotFailed(String snapshotId, StateReason reason) {
        catalogue.awaiting(snapshotId).ifPresent(imageId -> verdict("SnapshotFailed", imageId,
                image -> image.failCreation(snapshotId, reason)));
    }

    private void verdict(String verdict, String imageId, Function<Image, List<ImageEvent>> decision) {
        catalogue.lockShared();
        Image image = load(imageId);
        List<ImageEvent> decided = decision.apply(image);
        if (decided.isEmpty()) {
            LOG.infof("%s for %s ignored: the image is %s", verdict, imageId,
                    image.exists() ? image.state() : "unknown");
        }
        append(imageId, image.version(), decided);
    }

    /** Load, decide, append, project: the steps of every command on an existing image. */
    private Outcome decide(String imageId, Function<Image, List<ImageEvent>> decision) {
        catalogue.lockShared();
        Image image = load(imageId);
        append(imageId, image.version(), decision.apply(image));
        return Outcome.TRUE;
    }

    private Image load(String imageId) {
        return Image.fold(imageId, events.load(imageId));
    }

    private void append(String imageId, long expectedVersion, List<ImageEvent> decided) {
        if (decided.isEmpty()) {
            return;
        }
        List<EventEnvelope> appended = events.append(imageId, expectedVersion, decided);
        for (int i = 0; i < appended.size(); i++) {
            catalogue.apply(appended.get(i), decided.get(i));
        }
    }
}
