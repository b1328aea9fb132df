package dev.imageregistry.launch.instances;

import java.util.List;

import dev.imageregistry.launch.instances.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.instances.InstanceEvent.StateReason;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;

/**
 * An instance aggregate, folded from its events. It decides the transitions EC2 allows (stop, start, terminate,
 * and the settling of a transitional state) and answers with the events they cause; it knows no framework.
 */
public record Instance(String instanceId, String ownerId, String imageId, InstanceState state, long version) {

    /** Folds an instance's stored events, oldest first. */
    public static Instance fold(List<EventEnvelope> events) {
        Instance instance = null;
        for (EventEnvelope event : events) {
            instance = switch (event.type()) {
                case "InstanceLaunched" -> {
                    InstanceLaunched launched = event.dataAs(InstanceLaunched.class);
                    yield new Instance(launched.instanceId(), launched.ownerId(), launched.imageId(),
                            InstanceState.PENDING, event.aggregateversion());
                }
                case "InstanceStateChanged" -> new Instance(instance.instanceId, instance.ownerId, instance.imageId,
                        InstanceState.of(event.dataAs(InstanceStateChanged.class).currentState()),
                        event.aggregateversion());
                default -> instance;
            };
        }
        return instance;
    }

    /** StopInstances: a running instance starts stopping; a stopped or stopping one is left as it is. */
    public List<InstanceStateChanged> stop() {
        return switch (state) {
            case RUNNING -> List.of(to(InstanceState.STOPPING, new StateReason("Client.UserInitiatedShutdown",
                    "Client.UserInitiatedShutdown: User initiated shutdown")));
            case STOPPING, STOPPED -> List.of();
            default -> throw incorrectState("stop");
        };
    }

    /** StartInstances: a stopped instance goes back to pending; a running or pending one is left alone. */
    public List<InstanceStateChanged> start() {
        return switch (state) {
            case STOPPED -> List.of(to(InstanceState.PENDING, null));
            case PENDING, RUNNING -> List.of();
            default -> throw incorrectState("start");
        };
    }

    /** TerminateInstances: anything not already on its way out shuts down. */
    public List<InstanceStateChanged> terminate() {
        return switch (state) {
            case SHUTTING_DOWN, TERMINATED -> List.of();
            default -> List.of(to(InstanceState.SHUTTING_DOWN, new StateReason("Client.UserInitiatedShutdown",
                    "Client.UserInitiatedShutdown: User initiated shutdown")));
        };
    }

    /** The transition worker's step: a transitional state settles (pending->running, ...). */
    public List<InstanceStateChanged> settle(StateReason reason) {
        InstanceState next = state.settled();
        return next == state ? List.of() : List.of(to(next, reason));
    }

    /** A launch that cannot complete (its volume cannot be created) ends terminated, never stuck in pending. */
    public List<InstanceStateChanged> fail(StateReason reason) {
        return state == InstanceState.TERMINATED ? List.of() : List.of(to(InstanceState.TERMINATED, reason));
    }

    private InstanceStateChanged to(InstanceState next, StateReason reason) {
        return new InstanceStateChanged(instanceId, ownerId, imageId, state.wire(), next.wire(), reason);
    }

    private Ec2Exception incorrectState(String action) {
        return Ec2Exception.badRequest("IncorrectInstanceState", "The instance '" + instanceId
                + "' is not in a state from which it can be " + (action.equals("stop") ? "stopped" : "started")
                + " (it is " + state.wire() + ").");
    }
}
