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
 * <p>
 * A snapshot's map is recorded as its Region published it: whole (SnapshotBlocksRecorded), or as a layer of the
 * blocks its volume wrote over a base snapshot's map (SnapshotBlocksOverlaid). Layers are laid over their bases
 * when a map is read, not when it is projected, so the projection does not depend on the order in which
 * snapshots' events arrive from different partitions, and a replay in any such order gives the same maps.
 */
@ApplicationScoped
public class SourceCatalogue {
    /**
     * The snapshot ({@code depth} 0) and its bases down to the full map at the bottom, as far as they are recorded
     * (parameters: region, snapshot ID, region). A hop seen before ({@code loops}) ends the walk.
     */
    private static final String CHAIN = "with recursive chain (snapshot_id, base_snapshot_id, owner_id, volume_size, "
            + "map_checksum, parts, parts_recorded, deleted, depth, path, loops) as ("
            + "select snapshot_id, base_snapshot_id, owner_id, volume_size, map_checksum, parts, parts_recorded, "
            + "deleted, 0, array[snapshot_id], false from source_snapshot where region = ? and snapshot_id = ? "
            + "union all select s.snapshot_id, s.base_snapshot_id, s.owner_id, s.volume_size, s.map_checksum, s.parts, "
            + "s.parts_recorded, s.deleted, c.depth + 1, c.path || s.snapshot_id, s.snapshot_id = any(c.path) "
            + "from chain c join source_snapshot s on s.region = ? and s.snapshot_id = c.base_snapshot_id "
            + "where not c.loops) ";

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
            case "SnapshotBlocksRecorded" -> recordBlocks(region, data, null);
            case "SnapshotBlocksOverlaid" -> recordBlocks(region, data, data.path("baseSnapshotId").asText());
            // The rows stay: a layered snapshot made from this one still resolves its map through them.
            case "SnapshotDeleted" -> update("update source_snapshot set deleted = true where region = ? and snapshot_id = ?",
                    region, data.path("snapshotId").asText());
            default -> {
                // Other events change nothing the replicator needs.
            }
        }
    }

    /**
     * One part of a snapshot's map: the whole map's blocks, or (with a {@code baseSnapshotId}) the layer's. Either
     * way {@code mapChecksum} is the checksum of the full map.
     */
    private void recordBlocks(String region, JsonNode data, String baseSnapshotId) {
        String snapshotId = data.path("snapshotId").asText();
        update("insert into source_snapshot (region, snapshot_id, owner_id, volume_size, parts, map_checksum, "
                + "base_snapshot_id) values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing", region, snapshotId,
                data.path("ownerId").asText(), data.path("volumeSize").isInt() ? data.path("volumeSize").asInt() : null,
                data.path("parts").asInt(), data.path("mapChecksum").asText(), baseSnapshotId);
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
     * A completed snapshot with its owner and full block map, once every part of it and of every snapshot down its
     * chain of bases has been recorded; empty while a part or a base is missing, when the chain loops, and once the
     * snapshot is deleted (a deleted base still serves the snapshots laid over it).
     */
    public Optional<SourceSnapshot> snapshot(String region, String snapshotId) {
        record Hop(String ownerId, int volumeSize, String mapChecksum, boolean complete, boolean deleted,
                boolean root, boolean loops) {
        }
        List<Hop> chain = jdbc.query(CHAIN + "select owner_id, volume_size, map_checksum, "
                + "parts_recorded >= parts, deleted, base_snapshot_id is null, loops from chain order by depth",
                rs -> new Hop(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBoolean(4), rs.getBoolean(5),
                        rs.getBoolean(6), rs.getBoolean(7)),
                region, snapshotId, region);
        // Resolvable when every hop is complete and the last one is a full map: a missing base ends the chain on a
        // layer, a loop on a hop seen before.
        if (chain.isEmpty() || chain.get(0).deleted() || !chain.stream().allMatch(Hop::complete)
                || chain.stream().anyMatch(Hop::loops) || !chain.get(chain.size() - 1).root()) {
            return Optional.empty();
        }
        // Each index from the nearest layer that has it: one sort over the chain's rows, no map per hop held here.
        List<SourceSnapshot.Block> blocks = new ArrayList<>();
        jdbc.forEach(CHAIN + "select distinct on (b.block_index) b.block_index, b.checksum from chain c "
                + "join source_snapshot_block b on b.region = ? and b.snapshot_id = c.snapshot_id "
                + "order by b.block_index, c.depth", 10_000, rs -> blocks.add(new SourceSnapshot.Block(rs.getInt(1),
                        rs.getString(2))), region, snapshotId, region, region);
        Hop top = chain.get(0);
        return Optional.of(new SourceSnapshot(snapshotId, top.ownerId(), top.volumeSize(), top.mapChecksum(), blocks));
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
