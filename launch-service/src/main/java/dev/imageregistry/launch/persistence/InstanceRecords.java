package dev.imageregistry.launch.persistence;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.launch.domain.InstanceEvent;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceTagged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceUntagged;
import dev.imageregistry.launch.domain.InstanceEvent.StateReason;
import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.launch.domain.InstanceState;
import dev.imageregistry.platform.persistence.Jdbc;

/**
 * The instance table: each instance's current state, written in the same transaction as the events that
 * produced it. Queries and the transition worker read it; decisions are taken on the folded event stream.
 */
@ApplicationScoped
public class InstanceRecords {
    private final Jdbc jdbc;

    public InstanceRecords(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** One of DescribeInstances' filters as a condition on the instance row {@code i}. */
    public static final class Condition {
        private final String sql;
        private final List<Object> params;

        private Condition(String sql, List<?> params) {
            this.sql = sql;
            this.params = List.copyOf(params);
        }

        public static Condition stateIn(List<String> states) {
            return new Condition("i.state in (" + placeholders(states.size()) + ")", states);
        }

        public static Condition imageIn(List<String> imageIds) {
            return new Condition("i.image_id in (" + placeholders(imageIds.size()) + ")", imageIds);
        }

        public static Condition instanceTypeIn(List<String> types) {
            return new Condition("i.instance_type in (" + placeholders(types.size()) + ")", types);
        }

        /** {@code tag:<key>}: the instance has the tag with one of the values. */
        public static Condition tagIn(String key, List<String> values) {
            List<Object> params = new ArrayList<>();
            params.add(key);
            params.addAll(values);
            return new Condition("exists (select 1 from instance_tag t where t.instance_id = i.instance_id "
                    + "and t.key = ? and t.value in (" + placeholders(values.size()) + "))", params);
        }

        /** {@code tag-key}: the instance has a tag of one of the keys, whatever its value. */
        public static Condition tagKeyIn(List<String> keys) {
            return new Condition("exists (select 1 from instance_tag t where t.instance_id = i.instance_id "
                    + "and t.key in (" + placeholders(keys.size()) + "))", keys);
        }
    }

    public void launched(InstanceLaunched launched, long version, String userData) {
        jdbc.update("insert into instance (instance_id, owner_id, reservation_id, image_id, image_owner_id, "
                + "instance_type, ami_launch_index, state, launch_time, state_changed_at, root_device_name, "
                + "root_volume_id, root_snapshot_id, root_volume_size, delete_on_termination, user_data, version) "
                + "values (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                launched.instanceId(), launched.ownerId(), launched.reservationId(), launched.imageId(),
                launched.imageOwnerId(), launched.instanceType(), launched.amiLaunchIndex(), launched.launchTime(),
                launched.launchTime(), launched.rootDeviceName(), launched.rootVolume().volumeId(),
                launched.rootVolume().snapshotId(), launched.rootVolume().volumeSize(),
                launched.deleteOnTermination(), userData, version);
        if (launched.tags() != null) {
            for (InstanceEvent.Tag tag : launched.tags()) {
                jdbc.update("insert into instance_tag (instance_id, key, value) values (?, ?, ?)",
                        launched.instanceId(), tag.key(), tag.value());
            }
        }
    }

    public void changed(InstanceStateChanged change, long version, Instant at) {
        jdbc.update("update instance set state = ?, state_reason_code = ?, state_reason_message = ?, "
                + "state_changed_at = ?, version = ? where instance_id = ?", change.currentState(),
                change.stateReason() == null ? null : change.stateReason().code(),
                change.stateReason() == null ? null : change.stateReason().message(), at, version,
                change.instanceId());
    }

    public void tagged(InstanceTagged tagged, long version) {
        for (InstanceEvent.Tag tag : tagged.tags()) {
            jdbc.update("insert into instance_tag (instance_id, key, value) values (?, ?, ?) "
                    + "on conflict (instance_id, key) do update set value = excluded.value",
                    tagged.instanceId(), tag.key(), tag.value());
        }
        jdbc.update("update instance set version = ? where instance_id = ?", version, tagged.instanceId());
    }

    public void untagged(InstanceUntagged untagged, long version) {
        jdbc.update("delete from instance_tag where instance_id = ? and key = any (?)", untagged.instanceId(),
                untagged.keys().toArray(String[]::new));
        jdbc.update("update instance set version = ? where instance_id = ?", version, untagged.instanceId());
    }

    /** Locks the instance, whoever owns it; false when this service never launched it. */
    public boolean lock(String instanceId) {
        return jdbc.one("select instance_id from instance where instance_id = ? for update", rs -> rs.getString(1),
                instanceId).isPresent();
    }

    /** Locks the caller's instance whose root volume this is (created yet or not); empty when there is none. */
    public Optional<String> lockByRootVolume(String account, String volumeId) {
        return jdbc.one("select instance_id from instance where owner_id = ? and root_volume_id = ? for update",
                rs -> rs.getString(1), account, volumeId);
    }

    /** An event that changes nothing the row shows (a snapshot of its volume) still moves the row's version on. */
    public void versioned(String instanceId, long version) {
        jdbc.update("update instance set version = ? where instance_id = ?", version, instanceId);
    }

    /**
     * Locks the caller's instance if it can still be found: not terminated before {@code terminatedSince}
     * (DescribeInstances' visibility); false otherwise.
     */
    public boolean lockVisible(String account, String instanceId, Instant terminatedSince) {
        return jdbc.one("select instance_id from instance where owner_id = ? and instance_id = ? "
                + "and not (state = 'terminated' and state_changed_at < ?) for update", rs -> rs.getString(1),
                account, instanceId, terminatedSince).isPresent();
    }

    /** Locks the caller's instances among {@code ids} (in ID order, so two callers cannot deadlock). */
    public List<String> lockOwned(String account, List<String> ids) {
        List<Object> params = new ArrayList<>();
        params.add(account);
        params.addAll(ids);
        return jdbc.query("select instance_id from instance where owner_id = ? and instance_id in ("
                + placeholders(ids.size()) + ") order by instance_id for update", rs -> rs.getString(1),
                params.toArray());
    }

    /**
     * Claims instances in a transitional state for this replica's worker: rows another replica holds are
     * skipped, not waited for, so replicas share the queue without stepping on each other.
     */
    public List<String> claimTransitional(int limit) {
        return jdbc.query("select instance_id from instance where state in ('pending', 'stopping', 'shutting-down') "
                + "order by state_changed_at limit ? for update skip locked", rs -> rs.getString(1), limit);
    }

    /** The instances, in reservation and launch-index order. */
    public List<InstanceRow> find(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return withTags(jdbc.query("select * from instance where instance_id in (" + placeholders(ids.size())
                + ") order by reservation_id, ami_launch_index", InstanceRecords::row, ids.toArray()));
    }

    /**
     * A page of the caller's instances in ID order: those still visible (not terminated before
     * {@code terminatedSince}), among {@code ids} unless empty, meeting every condition, after {@code afterId}
     * unless null; at most {@code limit}.
     */
    public List<InstanceRow> page(String account, Instant terminatedSince, List<String> ids, List<Condition> conditions,
            String afterId, int limit) {
        StringBuilder where = new StringBuilder(
                "i.owner_id = ? and not (i.state = 'terminated' and i.state_changed_at < ?)");
        List<Object> params = new ArrayList<>(List.of(account, terminatedSince));
        if (!ids.isEmpty()) {
            where.append(" and i.instance_id in (").append(placeholders(ids.size())).append(')');
            params.addAll(ids);
        }
        for (Condition condition : conditions) {
            where.append(" and ").append(condition.sql);
            params.addAll(condition.params);
        }
        if (afterId != null) {
            where.append(" and i.instance_id > ?");
            params.add(afterId);
        }
        params.add(limit);
        return withTags(jdbc.query("select * from instance i where " + where + " order by instance_id limit ?",
                InstanceRecords::row, params.toArray()));
    }

    /** The caller's instances (not shutting down or terminated) launched from the image. */
    public List<String> usingImage(String account, String imageId) {
        return jdbc.query("select instance_id from instance where owner_id = ? and image_id = ? "
                + "and state not in ('shutting-down', 'terminated') order by instance_id", rs -> rs.getString(1),
                account, imageId);
    }

    public RootVolumeSpec rootVolume(String instanceId) {
        return jdbc.one("select root_volume_id, root_snapshot_id, root_volume_size, delete_on_termination "
                + "from instance where instance_id = ?", rs -> new RootVolumeSpec(rs.getString(1), rs.getString(2),
                        rs.getInt(3), rs.getBoolean(4)), instanceId).orElseThrow();
    }

    public record RootVolumeSpec(String volumeId, String snapshotId, int sizeGib, boolean deleteOnTermination) {
    }

    private List<InstanceRow> withTags(List<InstanceRow> instances) {
        if (instances.isEmpty()) {
            return instances;
        }
        Map<String, List<Tag>> tags = new LinkedHashMap<>();
        List<String> ids = instances.stream().map(InstanceRow::instanceId).toList();
        jdbc.query("select instance_id, key, value from instance_tag where instance_id in ("
                + placeholders(ids.size()) + ") order by key", rs -> tags.computeIfAbsent(rs.getString(1),
                        k -> new ArrayList<>()).add(new Tag(rs.getString(2), rs.getString(3))), ids.toArray());
        return instances.stream().map(i -> new InstanceRow(i.instanceId(), i.ownerId(), i.reservationId(),
                i.imageId(), i.instanceType(), i.amiLaunchIndex(), i.state(), i.stateReason(), i.launchTime(),
                i.rootDeviceName(), i.rootVolumeId(), i.rootSnapshotId(), i.rootVolumeSize(),
                i.deleteOnTermination(), tags.getOrDefault(i.instanceId(), Collections.emptyList()))).toList();
    }

    private static InstanceRow row(ResultSet rs) throws SQLException {
        String reasonCode = rs.getString("state_reason_code");
        return new InstanceRow(rs.getString("instance_id"), rs.getString("owner_id"), rs.getString("reservation_id"),
                rs.getString("image_id"), rs.getString("instance_type"), rs.getInt("ami_launch_index"),
                InstanceState.of(rs.getString("state")),
                reasonCode == null ? null : new StateReason(reasonCode, rs.getString("state_reason_message")),
                Jdbc.instant(rs, "launch_time"), rs.getString("root_device_name"), rs.getString("root_volume_id"),
                rs.getString("root_snapshot_id"), rs.getInt("root_volume_size"),
                rs.getBoolean("delete_on_termination"), List.of());
    }

    private static String placeholders(int count) {
        return String.join(", ", Collections.nCopies(Math.max(count, 1), "?"));
    }
}
