package dev.imageregistry.replicator.persistence;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.replicator.domain.SourceImage;
import dev.imageregistry.replicator.domain.SourceSnapshot;

/**
 * The read model of the source Regions: images with their state and launch permissions, and the block map of
 * each completed snapshot. Projected from each source Region's own image-events and snapshot-events (the
 * projector below), so it can be rebuilt from those topics at any time.
 */
@ApplicationScoped
public class SourceCatalogue {
    private final Jdbc jdbc;

    public SourceCatalogue(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** Applies one event of {@code region}'s stream; runs inside the intake's transaction. */
    public void apply(String region, EventEnvelope event) {
        JsonNode data = event.data();
        String imageId = data.path("imageId").asText(null);
        switch (event.type()) {
            case "ImageRegistered" -> update("insert into source_image (region, image_id, owner_id, state, attributes) "
                    + "values (?, ?, ?, 'available', ?::jsonb) on conflict do nothing", region, imageId,
                    data.path("ownerId").asText(), data.toString());
            // A copy, or an image being made from an instance: pending until its ImageAvailable.
            case "ImageCopyRequested", "ImageCreationRequested" -> update("insert into source_image (region, image_id, "
                    + "owner_id, state, attributes) values (?, ?, ?, 'pending', ?::jsonb) on conflict do nothing", region,
                    imageId, data.path("ownerId").asText(), data.toString());
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
        List<JsonNode> blocks = new ArrayList<>();
        data.path("blocks").forEach(blocks::add);
        jdbc.batch("insert into source_snapshot_block (region, snapshot_id, block_index, checksum) values (?, ?, ?, ?) "
                + "on conflict do nothing", blocks, block -> new Object[] {region, snapshotId,
                        block.path("index").asInt(), block.path("checksum").asText()});
        // Each part's event is applied once (the intake deduplicates), so counting is exact.
        update("update source_snapshot set parts_recorded = parts_recorded + 1 where region = ? and snapshot_id = ?",
                region, snapshotId);
    }

    public Optional<SourceImage> image(String region, String imageId) {
        return jdbc.one("select owner_id, state, public, attributes from source_image where region = ? and image_id = ?",
                rs -> {
                    Set<String> permissions = new HashSet<>(jdbc.query("select user_id from source_image_permission "
                            + "where region = ? and image_id = ?", users -> users.getString(1), region, imageId));
                    return new SourceImage(region, imageId, rs.getString(1), rs.getString(2), rs.getBoolean(3),
                            permissions, attributes(rs.getString(4)));
                }, region, imageId);
    }

    /**
     * A completed snapshot with its owner and full block map, once every part has been recorded; empty while parts
     * are missing, and once it is deleted.
     */
    public Optional<SourceSnapshot> snapshot(String region, String snapshotId) {
        record Recorded(String ownerId, int volumeSize, int parts, int partsRecorded, String mapChecksum,
                boolean deleted) {
        }
        Optional<Recorded> recorded = jdbc.one("select owner_id, volume_size, parts, parts_recorded, map_checksum, "
                + "deleted from source_snapshot where region = ? and snapshot_id = ?", rs -> new Recorded(
                        rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getString(5), rs.getBoolean(6)),
                region, snapshotId);
        if (recorded.isEmpty() || recorded.get().partsRecorded() < recorded.get().parts() || recorded.get().deleted()) {
            return Optional.empty();
        }
        List<SourceSnapshot.Block> blocks = new ArrayList<>();
        jdbc.forEach("select block_index, checksum from source_snapshot_block where region = ? and snapshot_id = ? "
                + "order by block_index", 10_000, rs -> blocks.add(new SourceSnapshot.Block(rs.getInt(1),
                        rs.getString(2))), region, snapshotId);
        return Optional.of(new SourceSnapshot(snapshotId, recorded.get().ownerId(), recorded.get().volumeSize(),
                recorded.get().mapChecksum(), blocks));
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

    private static JsonNode attributes(String json) {
        try {
            return EventJson.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable attributes in source_image", e);
        }
    }

    private void update(String sql, Object... parameters) {
        jdbc.update(sql, parameters);
    }
}
