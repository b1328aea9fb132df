package dev.imageregistry.launch.persistence;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.launch.domain.LaunchableImage;
import dev.imageregistry.platform.persistence.Jdbc;

/**
 * Lookups in the launchable-images read model ({@link LaunchableImagesReadModel} keeps it): an image as a launch
 * sees it, and the snapshots a root volume may be made from. Who may launch what is {@link LaunchableImage}'s rule.
 */
@ApplicationScoped
public class LaunchableImages {
    private final Jdbc jdbc;

    public LaunchableImages(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The image with {@code account}'s own launch permission, if it has one (one indexed query: a launch never
     * reads the image's whole list of grants).
     */
    public Optional<LaunchableImage> find(String account, String imageId) {
        return jdbc.one("select i.*, exists (select 1 from launch_image_permission p where p.image_id = i.image_id "
                + "and p.account = ?) as shared from launch_image i where i.image_id = ?",
                rs -> image(rs, account), account, imageId);
    }

    /** Whether a launch by {@code account} would pass the permission and state checks (what the benchmark polls). */
    public boolean mayLaunch(String account, String imageId) {
        return find(account, imageId).map(image -> image.mayBeLaunchedBy(account)).orElse(false);
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

    private static LaunchableImage image(ResultSet rs, String account) throws SQLException {
        int size = rs.getInt("root_volume_size");
        Integer rootVolumeSize = rs.wasNull() ? null : size;
        return new LaunchableImage(rs.getString("image_id"), rs.getString("owner_id"), rs.getString("state"),
                rs.getBoolean("disabled"), rs.getBoolean("public"),
                rs.getBoolean("shared") ? Set.of(account) : Set.of(), rs.getString("root_device_name"),
                rs.getString("root_snapshot_id"), rootVolumeSize, rs.getBoolean("delete_on_termination"),
                Jdbc.instant(rs, "deprecation_time"), rs.getLong("version"));
    }
}
