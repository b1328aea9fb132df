package dev.imageregistry.platform.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.imageregistry.platform.ServiceIdentity;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.tracing.TraceContext;

/**
 * The append-only store of the events a service decides, and the transactional outbox that carries them to
 * Kafka. Both rows are written in the caller's transaction, so an event is stored and queued for publication
 * together or not at all.
 */
@ApplicationScoped
public class EventStore {
    private final DataSource dataSource;
    private final ServiceIdentity identity;
    private final String topic;
    private final Event<OutboxWritten> written;

    public EventStore(DataSource dataSource, ServiceIdentity identity,
            @ConfigProperty(name = "imageregistry.events.topic") String topic, Event<OutboxWritten> written) {
        this.dataSource = dataSource;
        this.identity = identity;
        this.topic = topic;
        this.written = written;
    }

    /**
     * Appends events after {@code expectedVersion} (0 for a new aggregate). If another writer appended first,
     * the unique (aggregate, version) pair refuses this one and the caller gets a conflict.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<EventEnvelope> append(String aggregateId, long expectedVersion, List<? extends DomainEvent> events) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<EventEnvelope> envelopes = new ArrayList<>(events.size());
        long version = expectedVersion;
        // The trace that decided these events continues where they are consumed (OutboxRelay, EventIntake).
        String traceparent = TraceContext.current();
        for (DomainEvent event : events) {
            if (!event.aggregateId().equals(aggregateId)) {
                throw new IllegalArgumentException(event.eventType() + " belongs to " + event.aggregateId());
            }
            envelopes.add(EventEnvelope.of(event, identity.eventSource(), identity.region(), ++version, now,
                    traceparent));
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement store = connection.prepareStatement("insert into event_store "
                        + "(event_id, aggregate_id, aggregate_version, event_type, occurred_at, envelope) "
                        + "values (?, ?, ?, ?, ?, ?::jsonb)");
                PreparedStatement outbox = connection.prepareStatement("insert into outbox "
                        + "(event_id, event_type, topic, message_key, envelope) values (?, ?, ?, ?, ?)")) {
            for (EventEnvelope envelope : envelopes) {
                String json = EventJson.write(envelope);
                store.setObject(1, envelope.eventId());
                store.setString(2, aggregateId);
                store.setLong(3, envelope.aggregateversion());
                store.setString(4, envelope.type());
                store.setTimestamp(5, Timestamp.from(envelope.time()));
                store.setString(6, json);
                store.addBatch();
                outbox.setObject(1, envelope.eventId());
                outbox.setString(2, envelope.type());
                outbox.setString(3, topic);
                outbox.setString(4, aggregateId);
                outbox.setString(5, json);
                outbox.addBatch();
            }
            store.executeBatch();
            outbox.executeBatch();
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                throw Ec2Exception.conflict(aggregateId);
            }
            throw new IllegalStateException("could not append events of " + aggregateId, e);
        }
        written.fire(new OutboxWritten(envelopes.size()));
        return envelopes;
    }

    /** Every event of one aggregate, oldest first. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<EventEnvelope> load(String aggregateId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "select envelope from event_store where aggregate_id = ? order by aggregate_version")) {
            select.setString(1, aggregateId);
            List<EventEnvelope> events = new ArrayList<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    events.add(EventJson.read(rs.getString(1)));
                }
            }
            return events;
        } catch (SQLException e) {
            throw new IllegalStateException("could not load events of " + aggregateId, e);
        }
    }

    public String topic() {
        return topic;
    }

    static boolean isUniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
            if (t instanceof java.sql.BatchUpdateException batch && batch.getNextException() != null
                    && "23505".equals(batch.getNextException().getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Fired after rows were queued, so that the relay publishes them at once instead of at its next poll. */
    public record OutboxWritten(int count) {
    }
}
