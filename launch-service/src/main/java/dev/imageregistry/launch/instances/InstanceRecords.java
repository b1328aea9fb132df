package dev.imageregistry.launch.instances;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.launch.instances.InstanceDescription.BlockDeviceMapping;
import dev.imageregistry.launch.instances.InstanceDescription.Ebs;
import dev.imageregistry.launch.instances.InstanceDescription.Placement;
import dev.imageregistry.launch.instances.InstanceDescription.State;
import dev.imageregistry.launch.instances.InstanceDescription.StateReason;
import dev.imageregistry.launch.instances.InstanceDescription.Tag;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceTagged;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceUntagged;
import dev.imageregistry.launch.persistence.Jdbc;
import dev.imageregistry.platform.ServiceIdentity;

/**
 * The instance table: each instance's current state, written in the same transaction as the events that
 * produced it. Queries and the transition worker read it; decisions are taken on the folded event stream.
 */
@ApplicationScoped
public class InstanceRecords {
    private final Jdbc jdbc;
    private final ServiceIdentity service;

    public InstanceRecords(Jdbc jdbc, ServiceIdentity service) {
        this.jdbc = jdbc;
        this.service = service;
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
        return jdbc.query("select instance_id from instance where owner_id = ? and instance_id in ("
                + placeholders(ids.size()) + ") order by instance_id for update", rs -> rs.getString(1),
                concat(account, ids));
    }

    /**
     * Claims instances in a transitional state for this replica's worker: rows another replica holds are
     * skipped, not waited for, so replicas share the queue without stepping on each other.
     */
    public List<String> claimTransitional(int limit) {
        return jdbc.query("select instance_id from instance where state in ('pending', 'stopping', 'shutting-down') "
                + "order by state_changed_at limit ? for update skip locked", rs -> rs.getString(1), limit);
    }

    public List<InstanceDescription> describe(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return withTags(jdbc.query("select * from instance where instance_id in (" + placeholders(ids.size())
                + ") order by reservation_id, ami_launch_index", this::description, ids.toArray()));
    }

    public List<InstanceDescription> query(String where, List<Object> params, int limit) {
        List<Object> all = new ArrayList<>(params);
        all.add(limit);
        return withTags(jdbc.query("select * from instance i where " + where + " order by instance_id limit ?",
                this::description, all.toArray()));
    }

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

    private List<InstanceDescription> withTags(List<InstanceDescription> instances) {
        if (instances.isEmpty()) {
            return instances;
        }
        Map<String, List<Tag>> tags = new LinkedHashMap<>();
        List<String> ids = instances.stream().map(InstanceDescription::instanceId).toList();
        jdbc.query("select instance_id, key, value from instance_tag where instance_id in ("
                + placeholders(ids.size()) + ") order by key", rs -> tags.computeIfAbsent(rs.getString(1),
                        k -> new ArrayList<>()).add(new Tag(rs.getString(2), rs.getString(3))), ids.toArray());
        return instances.stream().map(i -> new InstanceDescription(i.instanceId(), i.imageId(), i.instanceType(),
                i.state(), i.stateReason(), i.launchTime(), i.amiLaunchIndex(), i.rootDeviceName(),
                i.rootDeviceType(), i.blockDeviceMappings(), i.placement(),
                tags.getOrDefault(i.instanceId(), Collections.emptyList()), i.reservationId(), i.ownerId())).toList();
    }

    private InstanceDescription description(ResultSet rs) throws SQLException {
        InstanceState state = InstanceState.of(rs.getString("state"));
        String reasonCode = rs.getString("state_reason_code");
        StateReason reason = reasonCode == null ? null : new StateReason(reasonCode, rs.getString("state_reason_message"));
        String volumeStatus = state == InstanceState.TERMINATED ? "detached" : "attached";
        return new InstanceDescription(rs.getString("instance_id"), rs.getString("image_id"),
                rs.getString("instance_type"), State.of(state), reason, Jdbc.instant(rs, "launch_time"),
                rs.getInt("ami_launch_index"), rs.getString("root_device_name"), "ebs",
                List.of(new BlockDeviceMapping(rs.getString("root_device_name"), new Ebs(rs.getString("root_volume_id"),
                        rs.getString("root_snapshot_id"), rs.getInt("root_volume_size"), volumeStatus,
                        rs.getBoolean("delete_on_termination")))),
                new Placement(service.region() + "a"), List.of(), rs.getString("reservation_id"),
                rs.getString("owner_id"));
    }

    static String placeholders(int count) {
        return String.join(", ", Collections.nCopies(Math.max(count, 1), "?"));
    }

    private static Object[] concat(Object first, List<?> rest) {
        Object[] all = new Object[rest.size() + 1];
        all[0] = first;
        for (int i = 0; i < rest.size(); i++) {
            all[i + 1] = rest.get(i);
        }
        return all;
    }
}
