package dev.imageregistry.launch.commands;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.domain.Instance;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceTagged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceUntagged;
import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.launch.domain.InstanceEvent.VolumeSnapshotTaken;
import dev.imageregistry.launch.domain.InstanceState;
import dev.imageregistry.launch.domain.Launch;
import dev.imageregistry.launch.domain.LaunchableImage;
import dev.imageregistry.launch.domain.RootVolumeContents;
import dev.imageregistry.launch.domain.RunInstancesRequest;
import dev.imageregistry.launch.domain.SnapshotRequest;
import dev.imageregistry.launch.persistence.InstanceRecords;
import dev.imageregistry.launch.persistence.InstanceRecords.RootVolumeSpec;
import dev.imageregistry.launch.persistence.LaunchableImages;
import dev.imageregistry.launch.persistence.RootVolumes;
import dev.imageregistry.launch.queries.InstanceDescription.Reservation;
import dev.imageregistry.launch.queries.InstanceDescription.State;
import dev.imageregistry.launch.queries.InstanceDescription.StateChange;
import dev.imageregistry.launch.queries.InstanceQuery;
import dev.imageregistry.launch.queries.VolumeDescription.CreatedSnapshot;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.idempotency.ClientTokens;
import dev.imageregistry.platform.outbox.EventStore;

/**
 * The instance's commands, each load -> decide -> append -> project in one transaction: RunInstances (the image
 * decides, from the launchable-images read model), stop, start and terminate, CreateTags and DeleteTags, the
 * snapshot of a root volume (CreateImage's step here, and CreateSnapshot), and the transition worker's step. The instance row is locked first, so a user's request and the transition worker take
 * turns instead of conflicting; what an instance answers is appended at the version it was loaded at, and written
 * to its row in the same transaction.
 */
@ApplicationScoped
public class InstanceCommands {
    private final LaunchableImages images;
    private final EventStore events;
    private final InstanceRecords records;
    private final RootVolumes volumes;
    private final InstanceQuery query;
    private final ClientTokens clientTokens;
    private final Event<TransitionQueued> queued;
    private final int maxInstancesPerLaunch;
    private final Duration terminatedVisibility;

    public InstanceCommands(LaunchableImages images, EventStore events, InstanceRecords records, RootVolumes volumes,
            InstanceQuery query, ClientTokens clientTokens, Event<TransitionQueued> queued,
            @ConfigProperty(name = "launch.max-instances-per-request", defaultValue = "20") int maxInstancesPerLaunch,
            @ConfigProperty(name = "launch.terminated-visibility", defaultValue = "PT1H") Duration terminatedVisibility) {
        this.images = images;
        this.events = events;
        this.records = records;
        this.volumes = volumes;
        this.query = query;
        this.clientTokens = clientTokens;
        this.queued = queued;
        this.maxInstancesPerLaunch = maxInstancesPerLaunch;
        this.terminatedVisibility = terminatedVisibility;
    }

    /** Fired in a transaction that left an instance in a transitional state (the worker runs once it commits). */
    public record TransitionQueued() {
    }

    /**
     * RunInstances: one InstanceLaunched per instance, each pending until the transition worker has created its
     * root volume. A retry with the request's client token answers the first reservation and launches nothing.
     */
    @Transactional
    public Reservation run(String account, RunInstancesRequest request) {
        Launch launch = Launch.of(request, maxInstancesPerLaunch);
        return clientTokens.once(account, "RunInstances", request.clientToken(), request, Reservation.class,
                () -> launch(account, launch));
    }

    private Reservation launch(String account, Launch launch) {
        LaunchableImage image = images.find(account, launch.imageId())
                .orElseThrow(() -> LaunchableImage.unknown(launch.imageId()));
        List<InstanceLaunched> launched = image.launch(account, launch, ResourceKind::next, now());
        List<String> ids = new ArrayList<>(launched.size());
        for (InstanceLaunched instance : launched) {
            long version = events.append(instance.instanceId(), 0, List.of(instance)).get(0).aggregateversion();
            records.launched(instance, version, launch.userData());
            ids.add(instance.instanceId());
        }
        queued.fire(new TransitionQueued());
        return new Reservation(launched.get(0).reservationId(), account, query.launched(ids));
    }

    @Transactional
    public List<StateChange> stop(String account, List<String> ids) {
        return change(account, ids, Instance::stop);
    }

    @Transactional
    public List<StateChange> start(String account, List<String> ids) {
        return change(account, ids, Instance::start);
    }

    @Transactional
    public List<StateChange> terminate(String account, List<String> ids) {
        return change(account, ids, Instance::terminate);
    }

    private List<StateChange> change(String account, List<String> requested,
            Function<Instance, List<InstanceStateChanged>> transition) {
        List<String> ids = Instance.wellFormedIds(requested);
        List<String> owned = records.lockOwned(account, ids);
        if (owned.size() != ids.size()) {
            List<String> missing = ids.stream().filter(id -> !owned.contains(id)).toList();
            throw Ec2Exception.notFound("InvalidInstanceID.NotFound",
                    "The instance IDs '" + String.join(", ", missing) + "' do not exist");
        }
        List<StateChange> changes = new ArrayList<>();
        for (String id : ids) {
            Instance instance = load(id);
            List<InstanceStateChanged> caused = transition.apply(instance);
            changed(instance, caused);
            InstanceState current = caused.isEmpty() ? instance.state()
                    : InstanceState.of(caused.get(caused.size() - 1).currentState());
            changes.add(new StateChange(id, State.of(current), State.of(instance.state())));
        }
        return changes;
    }

    /**
     * CreateTags on the caller's instance. A terminated instance can be tagged as long as DescribeInstances still
     * shows it (launch.terminated-visibility), as on EC2; after that it is not found.
     */
    @Transactional
    public void createTags(String account, String instanceId, List<Tag> tags) {
        Instance instance = visible(account, instanceId);
        List<InstanceTagged> caused = instance.tag(tags);
        List<EventEnvelope> appended = events.append(instanceId, instance.version(), caused);
        for (int i = 0; i < caused.size(); i++) {
            records.tagged(caused.get(i), appended.get(i).aggregateversion());
        }
    }

    /** DeleteTags on the caller's instance (visible as for CreateTags); nothing to remove appends nothing. */
    @Transactional
    public void deleteTags(String account, String instanceId, List<Tag> tags) {
        Instance instance = visible(account, instanceId);
        List<InstanceUntagged> caused = instance.untag(tags);
        if (caused.isEmpty()) {
            return;
        }
        List<EventEnvelope> appended = events.append(instanceId, instance.version(), caused);
        for (int i = 0; i < caused.size(); i++) {
            records.untagged(caused.get(i), appended.get(i).aggregateversion());
        }
    }

    /**
     * CreateImage's step here: the snapshot of the instance's root volume that the registry's
     * ImageCreationRequested asks for (consumed from image-events, live only, in the consumer's transaction). The
     * instance row is locked first, as for every command. The instance decides: VolumeSnapshotTaken with the
     * volume's block map, its failure variant when the instance or volume is unknown here, not the requester's or
     * gone, or nothing when this snapshot was already answered. An instance never launched here keeps the answer in
     * a stream of its own, so a repeated request is answered once there too.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void snapshotForImage(String instanceId, SnapshotRequest request) {
        boolean launchedHere = records.lock(instanceId);
        Instance instance = launchedHere ? load(instanceId) : unlaunched(instanceId);
        RootVolumeContents volume = instance.launched() ? volumes.contents(instance.rootVolume().volumeId())
                : RootVolumeContents.deleted();
        List<VolumeSnapshotTaken> taken = instance.snapshotForImage(request, volume, now());
        if (taken.isEmpty()) {
            return;
        }
        List<EventEnvelope> appended = events.append(instanceId, instance.version(), taken);
        if (launchedHere) {
            records.versioned(instanceId, appended.get(appended.size() - 1).aggregateversion());
        }
    }

    /**
     * CreateSnapshot of one of the caller's root volumes: the same VolumeSnapshotTaken as for an image, without one,
     * under a new snapshot ID; the snapshot-service makes the snapshot from it. A volume that is not the caller's
     * is not found, as one that exists nowhere.
     */
    @Transactional
    public CreatedSnapshot createSnapshot(String account, String volumeId, SnapshotRequest.CreateSnapshot body) {
        Ec2Exception.requireWellFormed(ResourceKind.VOLUME, volumeId);
        SnapshotRequest request = SnapshotRequest.ofVolume(account, volumeId, ResourceKind.SNAPSHOT.next(), body);
        String instanceId = records.lockByRootVolume(account, volumeId).orElseThrow(() -> Ec2Exception
                .notFound("InvalidVolume.NotFound", "The volume '" + volumeId + "' does not exist."));
        Instance instance = load(instanceId);
        List<VolumeSnapshotTaken> taken = instance.snapshotVolume(request, volumes.contents(volumeId), now());
        List<EventEnvelope> appended = events.append(instanceId, instance.version(), taken);
        records.versioned(instanceId, appended.get(appended.size() - 1).aggregateversion());
        return CreatedSnapshot.of(taken.get(0));
    }

    /**
     * The transition worker's step, for a batch of instances in a transitional state claimed in a new transaction
     * (rows another replica holds are skipped): pending -> running once its copy-on-write root volume exists (made
     * here) or terminated when its root snapshot is gone, stopping -> stopped, shutting-down -> terminated (its
     * volume deleted when DeleteOnTermination). Returns how many were claimed.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public int advanceTransitional(int batchSize) {
        List<String> claimed = records.claimTransitional(batchSize);
        for (String instanceId : claimed) {
            advance(load(instanceId));
        }
        return claimed.size();
    }

    private void advance(Instance instance) {
        RootVolumeSpec root = records.rootVolume(instance.instanceId());
        switch (instance.state()) {
            case PENDING -> {
                if (volumes.find(root.volumeId()).isEmpty()) {
                    if (images.snapshotDeleted(root.snapshotId())) {
                        changed(instance, instance.failLaunch(root.snapshotId()));
                        return;
                    }
                    volumes.create(root.volumeId(), instance.instanceId(), root.snapshotId(), root.sizeGib(),
                            images.snapshotBlockCount(root.snapshotId()).orElse(null));
                }
                changed(instance, instance.settle());
            }
            case SHUTTING_DOWN -> {
                List<InstanceStateChanged> caused = instance.settle();
                if (root.deleteOnTermination()) {
                    volumes.delete(root.volumeId());
                }
                changed(instance, caused);
            }
            default -> changed(instance, instance.settle());
        }
    }

    /** Appends the state changes an instance answered with and brings its row up to date. */
    private void changed(Instance instance, List<InstanceStateChanged> caused) {
        if (caused.isEmpty()) {
            return;
        }
        Instant now = now();
        List<EventEnvelope> appended = events.append(instance.instanceId(), instance.version(), caused);
        for (int i = 0; i < caused.size(); i++) {
            records.changed(caused.get(i), appended.get(i).aggregateversion(), now);
        }
        InstanceState reached = InstanceState.of(caused.get(caused.size() - 1).currentState());
        if (reached.settled() != reached) {
            queued.fire(new TransitionQueued());
        }
    }

    /** The caller's instance, locked, as long as DescribeInstances would still show it. */
    private Instance visible(String account, String instanceId) {
        Ec2Exception.requireWellFormed(ResourceKind.INSTANCE, instanceId);
        if (!records.lockVisible(account, instanceId, Instant.now().minus(terminatedVisibility))) {
            throw Ec2Exception.notFound("InvalidInstanceID.NotFound",
                    "The instance ID '" + instanceId + "' does not exist");
        }
        return load(instanceId);
    }

    /** What is known of an instance ID this service never launched: only the snapshots refused for it. */
    private Instance unlaunched(String instanceId) {
        Instance folded = Instance.fold(events.load(instanceId));
        return folded != null ? folded : Instance.unlaunched(instanceId);
    }

    private Instance load(String instanceId) {
        Instance instance = Instance.fold(events.load(instanceId));
        if (instance == null) {
            throw new IllegalStateException("instance " + instanceId + " has a row but no events");
        }
        return instance;
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
