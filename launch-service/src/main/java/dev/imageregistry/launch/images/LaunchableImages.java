package dev.imageregistry.launch.images;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.launch.persistence.Jdbc;
import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * The launch decision, read from this service's own projection of image events: EC2's rules for who may launch
 * which image. A caller who may not see an image is told it does not exist, exactly as for an unknown ID.
 */
@ApplicationScoped
public class LaunchableImages {
    /** EC2's image IDs: {@code ami-} and 17 hex digits, or 8 for images of before 2016 (still well formed). */
    public static final Pattern IMAGE_ID = Pattern.compile("ami-(?:[0-9a-f]{8}|[0-9a-f]{17})");

    private final Jdbc jdbc;

    public LaunchableImages(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** The image the caller may launch, or the EC2 error that refuses the launch. */
    public LaunchableImage forLaunch(String account, String imageId) {
        requireWellFormed(imageId);
        LaunchableImage image = visibleTo(account, imageId)
                .filter(found -> !LaunchableImage.DEREGISTERED.equals(found.state()))
                .orElseThrow(() -> Ec2Exception.notFound("InvalidAMIID.NotFound",
                        "The image id '[" + imageId + "]' does not exist"));
        if (!image.launchable()) {
            throw Ec2Exception.badRequest("InvalidAMIID.Unavailable", "The image id '[" + imageId
                    + "]' is no longer available" + (image.disabled() ? " (disabled)" : " (" + image.state() + ")"));
        }
        return image;
    }

    /** Whether a launch would pass the permission and state checks (what the benchmark polls). */
    public boolean mayLaunch(String account, String imageId) {
        return visibleTo(account, imageId).map(LaunchableImage::launchable).orElse(false);
    }

    public Optional<LaunchableImage> visibleTo(String account, String imageId) {
        return jdbc.one("select i.* from launch_image i where i.image_id = ? and (i.owner_id = ? or i.public "
                + "or exists (select 1 from launch_image_permission p where p.image_id = i.image_id and p.account = ?))",
                LaunchableImages::image, imageId, account, account);
    }

    /** Whether the snapshot-service has announced that this snapshot was deleted. */
    public boolean snapshotDeleted(String snapshotId) {
        return jdbc.one("select deleted from launch_snapshot where snapshot_id = ?", rs -> rs.getBoolean(1), snapshotId)
                .orElse(false);
    }

    /** Blocks of data the snapshot holds, when its SnapshotCompleted has been seen. */
    public Optional<Long> snapshotBlockCount(String snapshotId) {
        return jdbc.one("select block_count from launch_snapshot where snapshot_id = ? and block_count is not null",
                rs -> rs.getLong(1), snapshotId);
    }

    public static void requireWellFormed(String imageId) {
        if (imageId == null || imageId.isEmpty()) {
            throw Ec2Exception.missingParameter("ImageId");
        }
        if (!IMAGE_ID.matcher(imageId).matches()) {
            throw Ec2Exception.badRequest("InvalidAMIID.Malformed", "Invalid id: \"" + abbreviate(imageId)
                    + "\" (expecting \"ami-...\" with 8 or 17 hexadecimal digits)");
        }
    }

    private static String abbreviate(String value) {
        return value.length() > 64 ? value.substring(0, 64) + "..." : value;
    }

    static LaunchableImage image(ResultSet rs) throws SQLException {
        int size = rs.getInt("root_volume_size");
        Integer rootVolumeSize = rs.wasNull() ? null : size;
        return new LaunchableImage(rs.getString("image_id"), rs.getString("owner_id"), rs.getString("state"),
                rs.getBoolean("disabled"), rs.getBoolean("public"), rs.getString("root_device_name"),
                rs.getString("root_snapshot_id"), rootVolumeSize,
                rs.getBoolean("delete_on_termination"), Jdbc.instant(rs, "deprecation_time"), rs.getLong("version"));
    }
}
