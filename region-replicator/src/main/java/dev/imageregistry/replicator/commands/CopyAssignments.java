package dev.imageregistry.replicator.commands;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.imageregistry.platform.EventMetrics;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.platform.tracing.TraceContext;
import io.opentelemetry.api.trace.SpanKind;
import dev.imageregistry.replicator.domain.CopyAssignment;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyAssigned;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyDispatched;

/**
 * The destination's half of a copy to several Regions: an ImageCopyDispatched for this Region, read from the
 * requesting Region's copy-events, becomes exactly one ImageCopyAssigned on this Region's copy-events. Twice
 * guarded: the intake skips an event ID already applied, and {@link CopyAssignment} finds an earlier assignment in
 * the image's own aggregate (a replay under a new event ID, or a rebuilt intake, still assigns nothing twice).
 */
@ApplicationScoped
public class CopyAssignments {
    private static final Logger LOG = Logger.getLogger(CopyAssignments.class);

    private final EventIntake intake;
    private final EventStore events;
    private final EventMetrics metrics;

    public CopyAssignments(EventIntake intake, EventStore events, EventMetrics metrics) {
        this.intake = intake;
        this.events = events;
        this.metrics = metrics;
    }

    public static String readModel(String fromRegion) {
        return "dispatches-" + fromRegion;
    }

    /** Applies one dispatch read from {@code fromRegion}'s copy-events, in the caller's transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void apply(String fromRegion, EventEnvelope event) {
        String readModel = readModel(fromRegion);
        // The dispatch feed reads other Regions' brokers itself: it continues the requesting Region's trace here,
        // so that the assignment (and the copy it opens) belong to the request.
        try (TraceContext.Continued span = TraceContext.continueTrace(event.traceparent(),
                readModel + " process " + event.type(), SpanKind.CONSUMER)) {
            if (intake.replay(readModel, event, dispatch -> assign(fromRegion, dispatch))) {
                metrics.consumed(readModel, event.type());
            }
        }
    }

    private void assign(String fromRegion, EventEnvelope event) {
        ImageCopyDispatched dispatched;
        try {
            dispatched = event.dataAs(ImageCopyDispatched.class);
        } catch (IllegalArgumentException e) {
            dispatched = null;
        }
        if (!CopyAssignment.isComplete(dispatched)) {
            // Nothing this Region's registry could open a copy from: counted and logged for an operator.
            LOG.errorf("skipped an incomplete ImageCopyDispatched %s from %s", event.eventId(), fromRegion);
            metrics.rejected(readModel(fromRegion), "incomplete");
            return;
        }
        List<EventEnvelope> history = events.load(dispatched.imageId());
        List<ImageCopyAssigned> assigned = CopyAssignment.assign(history, dispatched, fromRegion);
        if (!assigned.isEmpty()) {
            long version = history.isEmpty() ? 0 : history.get(history.size() - 1).aggregateversion();
            events.append(dispatched.imageId(), version, assigned);
        }
    }
}
