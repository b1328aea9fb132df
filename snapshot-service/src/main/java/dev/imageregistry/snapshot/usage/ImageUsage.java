package dev.imageregistry.snapshot.usage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.platform.projection.ReadModelRebuild;
import dev.imageregistry.snapshot.snapshots.Snapshots;
import io.smallrye.common.annotation.Blocking;

/**
 * Read model "image-usage", projected from the registry's image-events: which images use which snapshots (a
 * used snapshot cannot be deleted) and who may launch each image (and so read its snapshots).
 *
 * <p>Deleting the snapshots of an image deregistered with deleteSnapshots is a side effect of live intake only:
 * a rebuild replays the projection and never deletes anything again.
 */
@ApplicationScoped
public class ImageUsage {
    public static final String READ_MODEL = "image-usage";

    private final DataSource db;
    private final EventIntake intake;
    private final ReadModelRebuild rebuild;
    private final Snapshots snapshots;

    public ImageUsage(DataSource db, EventIntake intake, ReadModelRebuild rebuild, Snapshots snapshots) {
        this.db = db;
        this.intake = intake;
        this.rebuild = rebuild;
        this.snapshots = snapshots;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Ebs(String snapshotId) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Mapping(Ebs ebs) {
    }

    /** The fields of image events this read model needs (a tolerant reader). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ImageFacts(String imageId, String ownerId, List<Mapping> blockDeviceMappings, List<String> userIds,
            List<String> groups, Boolean deleteSnapshots, List<String> snapshotIds) {
    }

    @Incoming("image-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        EventEnvelope[] applied = new EventEnvelope[1];
        intake.apply(READ_MODEL, record, event -> {
            project(event);
            applied[0] = event;
        });
        if (applied[0] != null && "ImageDeregistered".equals(applied[0].type())) {
            ImageFacts image = applied[0].dataAs(ImageFacts.class);
            if (Boolean.TRUE.equals(image.deleteSnapshots()) && image.snapshotIds() != null) {
                image.snapshotIds().forEach(id -> snapshots.deleteUnused(image.ownerId(), id));
            }
        }
    }

    public ReadModelRebuild.Report rebuild() {
        return rebuild.rebuild(READ_MODEL, List.of("image-events"), () -> {
            execute("delete from image_usage_permission");
            execute("delete from image_usage_snapshot");
            execute("delete from image_usage");
        }, this::project);
    }

    void project(EventEnvelope event) {
        ImageFacts image = event.dataAs(ImageFacts.class);
        String imageId = image.imageId() != null ? image.imageId() : event.subject();
        switch (event.type()) {
            case "ImageRegistered", "ImageCopyRequested" -> {
                execute("insert into image_usage (image_id, owner_id) values (?, ?) on conflict do nothing", imageId,
                        image.ownerId());
                execute("insert into image_usage_permission (image_id, grantee) values (?, ?) on conflict do nothing",
                        imageId, image.ownerId());
                useSnapshots(imageId, image);
            }
            case "ImageAvailable" -> useSnapshots(imageId, image);
            case "ImageShared" -> grantees(image).forEach(grantee -> execute("insert into image_usage_permission "
                    + "(image_id, grantee) select image_id, ? from image_usage where image_id = ? on conflict do nothing",
                    grantee, imageId));
            case "ImageUnshared" -> grantees(image).forEach(grantee -> execute(
                    "delete from image_usage_permission where image_id = ? and grantee = ? "
                            + "and grantee <> (select owner_id from image_usage where image_id = ?)",
                    imageId, grantee, imageId));
            case "ImageDisabled" -> execute("update image_usage set disabled = true where image_id = ?", imageId);
            case "ImageEnabled" -> execute("update image_usage set disabled = false where image_id = ?", imageId);
            case "ImageDeregistered", "ImageFailed", "ImageCopyFailed" ->
                execute("delete from image_usage where image_id = ?", imageId);
            default -> {
                // Other image events do not change which snapshots are used or who may read them.
            }
        }
    }

    private void useSnapshots(String imageId, ImageFacts image) {
        if (image.blockDeviceMappings() == null) {
            return;
        }
        for (Mapping mapping : image.blockDeviceMappings()) {
            if (mapping != null && mapping.ebs() != null && mapping.ebs().snapshotId() != null) {
                execute("insert into image_usage_snapshot (image_id, snapshot_id) select image_id, ? from image_usage "
                        + "where image_id = ? on conflict do nothing", mapping.ebs().snapshotId(), imageId);
            }
        }
    }

    private static List<String> grantees(ImageFacts image) {
        List<String> users = image.userIds() == null ? List.of() : image.userIds();
        List<String> groups = image.groups() == null ? List.of() : image.groups();
        return java.util.stream.Stream.concat(users.stream(), groups.stream()).toList();
    }

    private void execute(String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
