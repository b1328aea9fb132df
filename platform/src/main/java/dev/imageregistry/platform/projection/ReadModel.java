package dev.imageregistry.platform.projection;

import java.util.List;

import dev.imageregistry.platform.events.EventEnvelope;

/**
 * A view a service keeps from one or more topics, and can rebuild by replaying them. Each read model is a bean
 * implementing this; the platform's {@code /admin/read-models/{name}/rebuild} finds it by name, so a service
 * writes no endpoint of its own and every service rebuilds the same way.
 */
public interface ReadModel {

    /** The name operators use in the rebuild path and that the intake records applied events under. */
    String name();

    /** The topics the view is folded from, replayed from their beginning on a rebuild. */
    List<String> topics();

    /** Deletes every row of the view (runs inside the rebuild's transaction, under its exclusive lock). */
    void clear();

    /** Applies one replayed event: the same code live intake runs, so a rebuilt view cannot differ from it. */
    void project(EventEnvelope event);

    /**
     * The projector a rebuild uses; a view that can batch its statements during a replay returns its batching
     * projector here (it must still flush each statement before the rebuild commits).
     */
    default java.util.function.Consumer<EventEnvelope> replayProjector() {
        return this::project;
    }
}
