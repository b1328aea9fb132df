package dev.imageregistry.snapshot.snapshots;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.type.TypeReference;

import dev.imageregistry.platform.tags.TagRules;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotTagged;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotUntagged;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.Tag;

/**
 * One row of the snapshot table: the current state of a snapshot aggregate, and what it decides about its tags
 * (CreateTags, DeleteTags: the event they cause, or a refusal; no database or clock involved).
 */
public record SnapshotRecord(String snapshotId, String ownerId, int volumeSize, String parentSnapshotId,
        String description, List<SnapshotEvent.Tag> tags, String state, String stateReason, Instant startTime,
        Instant timeoutAt, Instant completionTime, Integer changedBlocks, String aggregateChecksum, long version) {

    public static final String COLUMNS = "snapshot_id, owner_id, volume_size, parent_snapshot_id, description, "
            + "tags::text, state, state_reason, start_time, timeout_at, completion_time, changed_blocks, "
            + "aggregate_checksum, version";

    public static SnapshotRecord read(ResultSet rs) throws SQLException {
        List<SnapshotEvent.Tag> tags;
        try {
            tags = EventJson.MAPPER.readValue(rs.getString(6), new TypeReference<List<SnapshotEvent.Tag>>() {
            });
        } catch (Exception e) {
            tags = List.of();
        }
        return new SnapshotRecord(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5),
                tags, rs.getString(7), rs.getString(8), rs.getTimestamp(9).toInstant(),
                rs.getTimestamp(10).toInstant(), rs.getTimestamp(11) == null ? null : rs.getTimestamp(11).toInstant(),
                (Integer) rs.getObject(12), rs.getString(13), rs.getLong(14));
    }

    /** Blocks the volume holds: 2,048 blocks of 512 KiB per GiB. */
    public long blockCapacity() {
        return (long) volumeSize * 2048;
    }

    public boolean pending() {
        return "pending".equals(state);
    }

    /**
     * CreateTags: sets the tags (a key it has gets the new value) in any state; refused with TagLimitExceeded when
     * the snapshot would carry more than 50.
     */
    public SnapshotTagged tag(List<Tag> requested) {
        Map<String, String> set = TagRules.toSet(requested);
        Map<String, String> after = tagMap();
        after.putAll(set);
        if (after.size() > TagRules.MAX_TAGS) {
            throw TagRules.limitExceeded("a snapshot");
        }
        List<Tag> tags = new ArrayList<>();
        set.forEach((key, value) -> tags.add(new Tag(key, value)));
        return new SnapshotTagged(snapshotId, ownerId, tags);
    }

    /**
     * DeleteTags: no tags named removes them all; a tag named with a value is removed only when the value matches
     * (as on EC2). Nothing to remove causes nothing.
     */
    public Optional<SnapshotUntagged> untag(List<Tag> named) {
        Map<String, String> current = tagMap();
        List<String> keys = new ArrayList<>();
        if (named == null || named.isEmpty()) {
            keys.addAll(current.keySet());
        } else {
            TagRules.checkToDelete(named);
            for (Tag tag : named) {
                String value = current.get(tag.key());
                if (value != null && (tag.value() == null || tag.value().equals(value)) && !keys.contains(tag.key())) {
                    keys.add(tag.key());
                }
            }
        }
        return keys.isEmpty() ? Optional.empty() : Optional.of(new SnapshotUntagged(snapshotId, ownerId, keys));
    }

    /** The tags once {@code event} is applied: the fold that the row, and any consumer of the stream, performs. */
    public List<Tag> tagsAfter(SnapshotEvent event) {
        Map<String, String> after = tagMap();
        if (event instanceof SnapshotTagged tagged) {
            tagged.tags().forEach(tag -> after.put(tag.key(), tag.value()));
        } else if (event instanceof SnapshotUntagged untagged) {
            untagged.keys().forEach(after::remove);
        }
        List<Tag> tags = new ArrayList<>();
        after.forEach((key, value) -> tags.add(new Tag(key, value)));
        return tags;
    }

    private Map<String, String> tagMap() {
        Map<String, String> map = new LinkedHashMap<>();
        if (tags != null) {
            tags.forEach(tag -> map.put(tag.key(), tag.value()));
        }
        return map;
    }
}
