package dev.imageregistry.launch.persistence;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.domain.LaunchableImage;
import dev.imageregistry.launch.persistence.ImagePayloads.BlockDeviceMapping;
import dev.imageregistry.launch.persistence.ImagePayloads.Deprecation;
import dev.imageregistry.launch.persistence.ImagePayloads.ImageAttributes;
import dev.imageregistry.launch.persistence.ImagePayloads.LaunchPermissionChange;
import dev.imageregistry.launch.persistence.ImagePayloads.SnapshotCompleted;
import dev.imageregistry.launch.persistence.ImagePayloads.SnapshotDeleted;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.platform.projection.ReadModel;

/**
 * The launchable-images read model: folds image and snapshot events into the tables a launch decision reads
 * ({@link LaunchableImages}). The same code serves live intake and the platform's rebuild
 * ({@code POST /admin/read-models/launchable-images/rebuild}), so a rebuilt view cannot differ from the live one.
 * Each image row remembers the aggregate version it has applied: an event older than that (a replayed or
 * reordered one) changes nothing.
 */
@ApplicationScoped
public class LaunchableImagesReadModel implements ReadModel {
    public static final String NAME = "launchable-images";
    private static final List<String> TOPICS = List.of("image-events", "snapshot-events");
    private static final Logger LOG = Logger.getLogger(LaunchableImagesReadModel.class);

    private final Jdbc jdbc;

    public LaunchableImagesReadModel(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> topics() {
        return TOPICS;
    }

    @Override
    public void project(EventEnvelope event) {
        switch (event.type()) {
            case "ImageRegistered" -> registered(event, LaunchableImage.AVAILABLE);
            case "ImageCopyRequested", "ImageCreationRequested" -> registered(event, LaunchableImage.PENDING);
            case "ImageAvailable" -> available(event);
            case "ImageFailed" -> state(event, LaunchableImage.FAILED);
            case "ImageDeregistered" -> state(event, LaunchableImage.DEREGISTERED);
            case "ImageDisabled" -> disabled(event, true);
            case "ImageEnabled" -> disabled(event, false);
            case "ImageShared" -> permissions(event, true);
            case "ImageUnshared" -> permissions(event, false);
            case "ImageDeprecated" -> deprecated(event, event.dataAs(Deprecation.class));
            case "ImageDeprecationCancelled" -> deprecated(event, null);
            case "SnapshotCompleted" -> snapshotCompleted(event.dataAs(SnapshotCompleted.class));
            case "SnapshotDeleted" -> snapshotDeleted(event.dataAs(SnapshotDeleted.class));
            default -> bump(event); // descriptions, tags...: nothing a launch needs, but the version moves on
        }
    }

    /** Deletes every row of the read model (the rebuild's first step). */
    @Override
    public void clear() {
        jdbc.update("delete from launch_image_permission");
        jdbc.update("delete from launch_image");
        jdbc.update("delete from launch_snapshot");
    }

    private void registered(EventEnvelope event, String state) {
        ImageAttributes image = event.dataAs(ImageAttributes.class);
        BlockDeviceMapping root = image.rootMapping();
        jdbc.update("insert into launch_image (image_id, owner_id, state, root_device_name, root_snapshot_id, "
                + "root_volume_size, delete_on_termination, version) values (?, ?, ?, ?, ?, ?, ?, ?) "
                + "on conflict (image_id) do nothing",
                event.subject(), image.ownerId(), state, rootDeviceName(image, root),
                root == null ? null : root.ebs().snapshotId(), root == null ? null : root.ebs().volumeSize(),
                root == null || root.ebs().deleteOnTermination() == null || root.ebs().deleteOnTermination(),
                event.aggregateversion());
    }

    private void available(EventEnvelope event) {
        ImageAttributes image = event.dataAs(ImageAttributes.class);
        BlockDeviceMapping root = image.rootMapping();
        if (root == null) {
            state(event, LaunchableImage.AVAILABLE);
            return;
        }
        jdbc.update("update launch_image set state = 'available', root_device_name = ?, root_snapshot_id = ?, "
                + "root_volume_size = ?, delete_on_termination = ?, version = ? where image_id = ? and version < ?",
                rootDeviceName(image, root), root.ebs().snapshotId(), root.ebs().volumeSize(),
                root.ebs().deleteOnTermination() == null || root.ebs().deleteOnTermination(),
                event.aggregateversion(), event.subject(), event.aggregateversion());
    }

    private void state(EventEnvelope event, String state) {
        changed(event, "state = ?", state);
    }

    private void disabled(EventEnvelope event, boolean disabled) {
        changed(event, "disabled = ?", disabled);
    }

    private void deprecated(EventEnvelope event, Deprecation deprecation) {
        changed(event, "deprecation_time = ?", deprecation == null ? null
                : java.sql.Timestamp.from(deprecation.deprecationTime()));
    }

    private void bump(EventEnvelope event) {
        if (ResourceKind.IMAGE.isWellFormed(event.subject())) {
            jdbc.update("update launch_image set version = ? where image_id = ? and version < ?",
                    event.aggregateversion(), event.subject(), event.aggregateversion());
        }
    }

    private void permissions(EventEnvelope event, boolean granted) {
        LaunchPermissionChange change = event.dataAs(LaunchPermissionChange.class);
        if (!changed(event, null, null)) {
            return;
        }
        if (change.touchesPublic()) {
            jdbc.update("update launch_image set public = ? where image_id = ?", granted, event.subject());
        }
        for (String account : change.accounts()) {
            if (granted) {
                jdbc.update("insert into launch_image_permission (image_id, account) values (?, ?) "
                        + "on conflict do nothing", event.subject(), account);
            } else {
                jdbc.update("delete from launch_image_permission where image_id = ? and account = ?",
                        event.subject(), account);
            }
        }
    }

    /** Sets one column (if any) and the version, only when the event is newer than the row. */
    private boolean changed(EventEnvelope event, String assignment, Object value) {
        String set = assignment == null ? "" : assignment + ", ";
        Object[] params = assignment == null
                ? new Object[] { event.aggregateversion(), event.subject(), event.aggregateversion() }
                : new Object[] { value, event.aggregateversion(), event.subject(), event.aggregateversion() };
        int rows = jdbc.update("update launch_image set " + set + "version = ? where image_id = ? and version < ?",
                params);
        if (rows == 0) {
            LOG.debugf("%s of %s (version %d) ignored: unknown image or already applied", event.type(),
                    event.subject(), event.aggregateversion());
        }
        return rows == 1;
    }

    private void snapshotCompleted(SnapshotCompleted snapshot) {
        jdbc.update("insert into launch_snapshot (snapshot_id, block_count, volume_size) values (?, ?, ?) "
                + "on conflict (snapshot_id) do update set block_count = excluded.block_count, "
                + "volume_size = excluded.volume_size", snapshot.snapshotId(), snapshot.blockCount(),
                snapshot.volumeSize());
    }

    private void snapshotDeleted(SnapshotDeleted snapshot) {
        jdbc.update("insert into launch_snapshot (snapshot_id, deleted) values (?, true) "
                + "on conflict (snapshot_id) do update set deleted = true", snapshot.snapshotId());
    }

    private static String rootDeviceName(ImageAttributes image, BlockDeviceMapping root) {
        if (image.rootDeviceName() != null) {
            return image.rootDeviceName();
        }
        return root == null ? null : root.deviceName();
    }
}
