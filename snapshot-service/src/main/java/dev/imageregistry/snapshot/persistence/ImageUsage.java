package dev.imageregistry.snapshot.persistence;

import java.util.List;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.platform.projection.ReadModel;

/**
 * Read model "image-usage", projected from the registry's image-events: which images use which snapshots (a
 * used snapshot cannot be deleted) and who may launch each image (and so read its snapshots). The platform's
 * {@code /admin/read-models/image-usage/rebuild} wipes it and replays image-events through {@link #project}.
 */
@ApplicationScoped
public class ImageUsage implements ReadModel {
    public static final String NAME = "image-usage";

    private final Jdbc jdbc;

    public ImageUsage(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Ebs(String snapshotId) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Mapping(Ebs ebs) {
    }

    /** The fields of image events this service needs (a tolerant reader). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ImageFacts(String imageId, String ownerId, List<Mapping> blockDeviceMappings, List<String> userIds,
            List<String> groups, Boolean deleteSnapshots, List<String> snapshotIds) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> topics() {
        return List.of("image-events");
    }

    @Override
    public void clear() {
        jdbc.update("delete from image_usage_permission");
        jdbc.update("delete from image_usage_snapshot");
        jdbc.update("delete from image_usage");
    }

    @Override
    public void project(EventEnvelope event) {
        ImageFacts image = event.dataAs(ImageFacts.class);
        String imageId = image.imageId() != null ? image.imageId() : event.subject();
        switch (event.type()) {
            // An image from an instance (CreateImage) maps its new snapshot from the request on, as a copy does.
            case "ImageRegistered", "ImageCopyRequested", "ImageCreationRequested" -> {
                jdbc.update("insert into image_usage (image_id, owner_id) values (?, ?) on conflict do nothing", imageId,
                        image.ownerId());
                jdbc.update("insert into image_usage_permission (image_id, grantee) values (?, ?) on conflict do nothing",
                        imageId, image.ownerId());
                useSnapshots(imageId, image);
            }
            case "ImageAvailable" -> useSnapshots(imageId, image);
            case "ImageShared" -> grantees(image).forEach(grantee -> jdbc.update("insert into image_usage_permission "
                    + "(image_id, grantee) select image_id, ? from image_usage where image_id = ? on conflict do nothing",
                    grantee, imageId));
            case "ImageUnshared" -> grantees(image).forEach(grantee -> jdbc.update(
                    "delete from image_usage_permission where image_id = ? and grantee = ? "
                            + "and grantee <> (select owner_id from image_usage where image_id = ?)",
                    imageId, grantee, imageId));
            case "ImageDisabled" -> jdbc.update("update image_usage set disabled = true where image_id = ?", imageId);
            case "ImageEnabled" -> jdbc.update("update image_usage set disabled = false where image_id = ?", imageId);
            case "ImageDeregistered", "ImageFailed", "ImageCopyFailed" ->
                jdbc.update("delete from image_usage where image_id = ?", imageId);
            default -> {
                // Other image events do not change which snapshots are used or who may read them.
            }
        }
    }

    /** The images that map the snapshot, by ID. */
    public List<String> imagesUsing(String snapshotId) {
        return jdbc.query("select image_id from image_usage_snapshot where snapshot_id = ? order by image_id",
                rs -> rs.getString(1), snapshotId);
    }

    private void useSnapshots(String imageId, ImageFacts image) {
        if (image.blockDeviceMappings() == null) {
            return;
        }
        for (Mapping mapping : image.blockDeviceMappings()) {
            if (mapping != null && mapping.ebs() != null && mapping.ebs().snapshotId() != null) {
                jdbc.update("insert into image_usage_snapshot (image_id, snapshot_id) select image_id, ? from image_usage "
                        + "where image_id = ? on conflict do nothing", mapping.ebs().snapshotId(), imageId);
            }
        }
    }

    private static List<String> grantees(ImageFacts image) {
        List<String> users = image.userIds() == null ? List.of() : image.userIds();
        List<String> groups = image.groups() == null ? List.of() : image.groups();
        return Stream.concat(users.stream(), groups.stream()).toList();
    }
}
