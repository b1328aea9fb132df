package dev.imageregistry.replicator.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;

/**
 * The read model of the source Regions: images with their state and launch permissions, and the block map of
 * each completed snapshot. Projected from each source Region's own image-events and snapshot-events (the
 * projector below), so it can be rebuilt from those topics at any time.
 */
@ApplicationScoped
public class SourceCatalogue {
    private final DataSource db;

    public SourceCatalogue(DataSource db) {
        this.db = db;
    }

    /** Applies one event of {@code region}'s stream; runs inside the intake's transaction. */
    public void apply(String region, EventEnvelope event) {
        JsonNode data = event.data();
        String imageId = data.path("imageId").asText(null);
        switch (event.type()) {
            case "ImageRegistered" -> update("insert into source_image (region, image_id, owner_id, state, attributes) "
                    + "values (?, ?, ?, 'available', ?::jsonb) on conflict do nothing", region, imageId,
                    data.path("ownerId").asText(), data.toString());
            case "ImageCopyRequested" -> update("insert into source_image (region, image_id, owner_id, state, attributes) "
                    + "values (?, ?, ?, 'pending', ?::jsonb) on conflict do nothing", region, imageId,
                    data.path("ownerId").asText(), data.toString());
            case "ImageAvailable" -> update("update source_image set state = 'available', attributes = attributes || ?::jsonb "
                    + "where region = ? and image_id = ?", withoutNulls(data), region, imageId);
            case "ImageFailed" -> state(region, imageId, "failed");
            case "ImageDisabled" -> state(region, imageId, "disabled");
            case "ImageEnabled" -> state(region, imageId, "available");
            case "ImageDeregistered" -> state(region, imageId, "deregistered");
            case "ImageShared" -> {
                for (JsonNode user : data.path("userIds")) {
                    update("insert into source_image_permission (region, image_id, user_id) values (?, ?, ?) "
                            + "on conflict do nothing", region, imageId, user.asText());
                }
                if (containsAll(data)) {
                    update("update source_image set public = true where region = ? and image_id = ?", region, imageId);
                }
            }
            case "ImageUnshared" -> {
                for (JsonNode user : data.path("userIds")) {
                    update("delete from source_image_permission where region = ? and image_id = ? and user_id = ?",
                            region, imageId, user.asText());
                }
                if (containsAll(data)) {
                    update("update source_image set public = false where region = ? and image_id = ?", region, imageId);
                }
            }
            case "SnapshotBlocksRecorded" -> recordBlocks(region, data);
            case "SnapshotDeleted" -> update("update source_snapshot set deleted = true where region = ? and snapshot_id = ?",
                    region, data.path("snapshotId").asText());
            default -> {
                // Other events change nothing the replicator needs.
            }
        }
    }

    private void recordBlocks(String region, JsonNode data) {
        String snapshotId = data.path("snapshotId").asText();
        update("insert into source_snapshot (region, snapshot_id, owner_id, volume_size, parts, map_checksum) "
                + "values (?, ?, ?, ?, ?, ?) on conflict do nothing", region, snapshotId, data.path("ownerId").asText(),
                data.path("volumeSize").isInt() ? data.path("volumeSize").asInt() : null, data.path("parts").asInt(),
                data.path("mapChecksum").asText());
        try (Connection c = db.getConnection(); PreparedStatement insert = c.prepareStatement("insert into "
                + "source_snapshot_block (region, snapshot_id, block_index, checksum) values (?, ?, ?, ?) on conflict do nothing")) {
            for (JsonNode block : data.path("blocks")) {
                insert.setString(1, region);
                insert.setString(2, snapshotId);
                insert.setInt(3, block.path("index").asInt());
                insert.setString(4, block.path("checksum").asText());
                insert.addBatch();
            }
            insert.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        // Each part's event is applied once (the intake deduplicates), so counting is exact.
        update("update source_snapshot set parts_recorded = parts_recorded + 1 where region = ? and snapshot_id = ?",
                region, snapshotId);
    }

    public Optional<SourceImage> image(String region, String imageId) {
        try (Connection c = db.getConnection(); PreparedStatement select = c.prepareStatement("select owner_id, state, "
                + "public, attributes from source_image where region = ? and image_id = ?")) {
            select.setString(1, region);
            select.setString(2, imageId);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Set<String> permissions = new HashSet<>();
                try (PreparedStatement users = c.prepareStatement("select user_id from source_image_permission "
                        + "where region = ? and image_id = ?")) {
                    users.setString(1, region);
                    users.setString(2, imageId);
                    try (ResultSet u = users.executeQuery()) {
                        while (u.next()) {
                            permissions.add(u.getString(1));
                        }
                    }
                }
                return Optional.of(new SourceImage(region, imageId, rs.getString(1), rs.getString(2), rs.getBoolean(3),
                        permissions, EventJson.MAPPER.readTree(rs.getString(4))));
            }
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A snapshot's full block map, once every part has been recorded; empty while parts are missing. */
    public Optional<SourceSnapshot> snapshot(String region, String snapshotId) {
        try (Connection c = db.getConnection(); PreparedStatement select = c.prepareStatement("select volume_size, "
                + "parts, parts_recorded, map_checksum, deleted from source_snapshot where region = ? and snapshot_id = ?")) {
            select.setString(1, region);
            select.setString(2, snapshotId);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next() || rs.getInt(3) < rs.getInt(2) || rs.getBoolean(5)) {
                    return Optional.empty();
                }
                int volumeSize = rs.getInt(1);
                String mapChecksum = rs.getString(4);
                List<SourceSnapshot.Block> blocks = new ArrayList<>();
                try (PreparedStatement map = c.prepareStatement("select block_index, checksum from source_snapshot_block "
                        + "where region = ? and snapshot_id = ? order by block_index")) {
                    map.setString(1, region);
                    map.setString(2, snapshotId);
                    map.setFetchSize(10_000);
                    try (ResultSet b = map.executeQuery()) {
                        while (b.next()) {
                            blocks.add(new SourceSnapshot.Block(b.getInt(1), b.getString(2)));
                        }
                    }
                }
                return Optional.of(new SourceSnapshot(snapshotId, volumeSize, mapChecksum, blocks));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes what was projected from {@code region} (before a rebuild). */
    public void clear(String region) {
        for (String table : List.of("source_image_permission", "source_image", "source_snapshot_block", "source_snapshot")) {
            update("delete from " + table + " where region = ?", region);
        }
    }

    private void state(String region, String imageId, String state) {
        update("update source_image set state = ? where region = ? and image_id = ?", state, region, imageId);
    }

    private static boolean containsAll(JsonNode data) {
        for (JsonNode group : data.path("groups")) {
            if ("all".equals(group.asText())) {
                return true;
            }
        }
        return false;
    }

    private static String withoutNulls(JsonNode data) {
        ObjectNode copy = data.deepCopy();
        copy.remove("imageId");
        return copy.toString();
    }

    private void update(String sql, Object... parameters) {
        try (Connection c = db.getConnection(); PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
