package dev.imageregistry.platform.projection;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import java.util.function.Consumer;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.EventMetrics;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.tracing.TraceContext;
import io.opentelemetry.api.trace.SpanKind;

/**
 * Applies consumed events to a read model exactly once: the event ID is recorded in the same transaction as
 * the change, so a redelivered or replayed event changes nothing. A read model being rebuilt holds an
 * exclusive lock that live intake waits on, so the two never interleave.
 */
@ApplicationScoped
public class EventIntake {
    private static final Logger LOG = Logger.getLogger(EventIntake.class);

    private final DataSource dataSource;
    private final EventMetrics metrics;
    private final ReadModelLag lag;

    public EventIntake(DataSource dataSource, EventMetrics metrics, ReadModelLag lag) {
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.lag = lag;
    }

    /** Applies a consumed record in the caller's transaction; returns false for a duplicate or unreadable one. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean apply(String readModel, ConsumerRecord<String, String> record, Consumer<EventEnvelope> projector) {
        lag.applied(readModel, record.topic(), record.partition(), record.offset());
        EventEnvelope event;
        try {
            event = EventJson.read(record.value());
        } catch (EventJson.MalformedEvent e) {
            // A poison record must not stop the partition; it is counted and logged for an operator.
            LOG.errorf("%s skipped an unreadable record at %s-%d@%d: %s", readModel, record.topic(),
                    record.partition(), record.offset(), e.getMessage());
            metrics.rejected(readModel, "malformed");
            return false;
        }
        // The projection continues the producer's trace, so that what it appends (ImageAvailable after
        // ImageCopied, a copy job after ImageCopyRequested) stays in the same trace.
        try (TraceContext.Continued span = TraceContext.continueTrace(traceparentOf(record, event),
                readModel + " process " + event.type(), SpanKind.CONSUMER)) {
            waitForRebuild(readModel, false);
            if (!firstTime(readModel, event.eventId())) {
                return false;
            }
            try {
                projector.accept(event);
            } catch (RuntimeException e) {
                span.failed(e);
                throw e;
            }
        }
        metrics.consumed(readModel, event.type());
        return true;
    }

    /** The record's header (the connector's producer span, if it traced the send), else the envelope's attribute. */
    static String traceparentOf(ConsumerRecord<String, String> record, EventEnvelope event) {
        Header header = record.headers().lastHeader(TraceContext.TRACEPARENT);
        if (header != null && header.value() != null) {
            String traceparent = new String(header.value(), StandardCharsets.UTF_8);
            if (TraceContext.parse(traceparent).isPresent()) {
                return traceparent;
            }
        }
        return event.traceparent();
    }

    /** Applies an event read during a rebuild (the rebuild already holds the exclusive lock). */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean replay(String readModel, EventEnvelope event, Consumer<EventEnvelope> projector) {
        if (!firstTime(readModel, event.eventId())) {
            return false;
        }
        projector.accept(event);
        return true;
    }

    boolean firstTime(String readModel, UUID eventId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "insert into applied_event (read_model, event_id) values (?, ?) on conflict do nothing")) {
            insert.setString(1, readModel);
            insert.setObject(2, eventId);
            return insert.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("could not record applied event", e);
        }
    }

    /**
     * For a read model that a command also writes in its own transaction (read-your-writes): holds the read
     * model's lock shared until the transaction ends, so the command never interleaves with a rebuild.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void enterShared(String readModel) {
        waitForRebuild(readModel, false);
    }

    /** Live intake takes the lock shared, a rebuild exclusive; both until their transaction ends. */
    void waitForRebuild(String readModel, boolean exclusive) {
        String sql = exclusive ? "select pg_advisory_xact_lock(?)" : "select pg_advisory_xact_lock_shared(?)";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement lock = connection.prepareStatement(sql)) {
            lock.setLong(1, lockKey(readModel));
            lock.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("could not take the read model lock", e);
        }
    }

    void forget(String readModel) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement("delete from applied_event where read_model = ?")) {
            delete.setString(1, readModel);
            delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not clear applied events", e);
        }
    }

    private static long lockKey(String readModel) {
        return 0x726d000000000000L | (readModel.hashCode() & 0xffffffffL);
    }
}
