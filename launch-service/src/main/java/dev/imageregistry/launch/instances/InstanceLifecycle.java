package dev.imageregistry.launch.instances;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

import dev.imageregistry.launch.instances.InstanceDescription.State;
import dev.imageregistry.launch.instances.InstanceDescription.StateChange;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.outbox.EventStore;

/**
 * Stop, start and terminate: each instance is loaded from its events, asked for the transition, and the events
 * it answers with are appended at the version it was loaded at. The instance row is locked first, so a user's
 * request and the transition worker take turns instead of conflicting.
 */
@ApplicationScoped
public class InstanceLifecycle {
    /** EC2's instance IDs: {@code i-} and 17 hex digits, or 8 for instances of before 2016 (still well formed). */
    public static final Pattern INSTANCE_ID = Pattern.compile("i-(?:[0-9a-f]{8}|[0-9a-f]{17})");
    private static final int MAX_IDS = 1000;

    private final EventStore events;
    private final InstanceRecords records;
    private final Event<TransitionWorker.TransitionQueued> queued;

    public InstanceLifecycle(EventStore events, InstanceRecords records, Event<TransitionWorker.TransitionQueued> queued) {
        this.events = events;
        this.records = records;
        this.queued = queued;
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
        List<String> ids = wellFormed(requested);
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
            apply(instance, caused);
            InstanceState current = caused.isEmpty() ? instance.state()
                    : InstanceState.of(caused.get(caused.size() - 1).currentState());
            changes.add(new StateChange(id, State.of(current), State.of(instance.state())));
        }
        return changes;
    }

    /** Appends the events an instance answered with and brings its row up to date. */
    void apply(Instance instance, List<InstanceStateChanged> caused) {
        if (caused.isEmpty()) {
            return;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<EventEnvelope> appended = events.append(instance.instanceId(), instance.version(), caused);
        for (int i = 0; i < caused.size(); i++) {
            records.changed(caused.get(i), appended.get(i).aggregateversion(), now);
        }
        InstanceState reached = InstanceState.of(caused.get(caused.size() - 1).currentState());
        if (reached.settled() != reached) {
            queued.fire(new TransitionWorker.TransitionQueued());
        }
    }

    Instance load(String instanceId) {
        Instance instance = Instance.fold(events.load(instanceId));
        if (instance == null) {
            throw new IllegalStateException("instance " + instanceId + " has a row but no events");
        }
        return instance;
    }

    static List<String> wellFormed(List<String> requested) {
        if (requested == null || requested.isEmpty()) {
            throw Ec2Exception.missingParameter("InstanceIds");
        }
        if (requested.size() > MAX_IDS) {
            throw Ec2Exception.invalidParameter("At most " + MAX_IDS + " instance IDs may be given.");
        }
        for (String id : requested) {
            if (id == null || !INSTANCE_ID.matcher(id).matches()) {
                throw Ec2Exception.badRequest("InvalidInstanceID.Malformed", "Invalid id: \""
                        + (id == null ? "" : id.length() > 64 ? id.substring(0, 64) + "..." : id) + "\"");
            }
        }
        return new ArrayList<>(new LinkedHashSet<>(requested));
    }
}
