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
import java.util.UUID;

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

    /** One event into the event store and the outbox, in one statement. */
    private static final String APPEND_ONE = "with stored as (insert into event_store (event_id, aggregate_id, "
            + "aggregate_version, event_type, occurred_at, envelope) values (?, ?, ?, ?, ?, ?::jsonb)) "
            + "insert into outbox (event_id, event_type, topic, message_key, envelope) values (?, ?, ?, ?, ?)";

    /**
     * Several events, in one statement. Parameters: event IDs, versions, types, times, envelopes (arrays in event
     * order), then the aggregate ID, the topic and the message key. Outbox positions follow the event order (the
     * insert's ORDER BY), which is the order the relay publishes in.
     */
    private static final String APPEND_ALL = "with input as (select * from unnest(?::uuid[], ?::bigint[], ?::text[], "
            + "?::timestamptz[], ?::text[]) with ordinality as e(event_id, version, event_type, occurred_at, envelope, n)), "
            + "stored as (insert into event_store (event_id, aggregate_id, aggregate_version, event_type, occurred_at, "
            + "envelope) select event_id, ?, version, event_type, occurred_at, envelope::jsonb from input) "
            + "insert into outbox (event_id, event_type, topic, message_key, envelope) "
            + "select event_id, event_type, ?, ?, envelope from input order by n";

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
        // One statement, so one round trip, writes both tables: a command's transaction already pays for the
        // lock, its checks, the projection and the commit, and the event store and outbox used to add two more.
        // The outbox keeps the envelope's exact text (the relay sends it as is); the event store its jsonb.
        try (Connection connection = dataSource.getConnection()) {
            if (envelopes.size() == 1) {
                appendOne(connection, aggregateId, envelopes.get(0));
            } else {
                appendAll(connection, aggregateId, envelopes);
            }
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                throw Ec2Exception.conflict(aggregateId);
            }
            throw new IllegalStateException("could not append events of " + aggregateId, e);
        }
        written.fire(new OutboxWritten(envelopes.size()));
        return envelopes;
    }

    /** Most commands decide one event: plain parameters (building arrays costs more than the event itself). */
    private void appendOne(Connection connection, String aggregateId, EventEnvelope envelope) throws SQLException {
        String json = EventJson.write(envelope);
        try (PreparedStatement append = connection.prepareStatement(APPEND_ONE)) {
            append.setObject(1, envelope.eventId());
            append.setString(2, aggregateId);
            append.setLong(3, envelope.aggregateversion());
            append.setString(4, envelope.type());
            append.setTimestamp(5, Timestamp.from(envelope.time()));
            append.setString(6, json);
            append.setObject(7, envelope.eventId());
            append.setString(8, envelope.type());
            append.setString(9, topic);
            append.setString(10, aggregateId);
            append.setString(11, json);
            append.executeUpdate();
        }
    }

    private void appendAll(Connection connection, String aggregateId, List<EventEnvelope> envelopes)
            throws SQLException {
        int n = envelopes.size();
        UUID[] ids = new UUID[n];
        Long[] versions = new Long[n];
        String[] types = new String[n];
        String[] times = new String[n];
        String[] jsons = new String[n];
        for (int i = 0; i < n; i++) {
            EventEnvelope envelope = envelopes.get(i);
            ids[i] = envelope.eventId();
            versions[i] = envelope.aggregateversion();
            types[i] = envelope.type();
            times[i] = envelope.time().toString(); // ISO-8601 in UTC, read by ::timestamptz[]
            jsons[i] = EventJson.write(envelope);
        }
        try (PreparedStatement append = connection.prepareStatement(APPEND_ALL)) {
            append.setArray(1, connection.createArrayOf("uuid", ids));
            append.setArray(2, connection.createArrayOf("bigint", versions));
            append.setArray(3, connection.createArrayOf("text", types));
            append.setArray(4, connection.createArrayOf("text", times));
            append.setArray(5, connection.createArrayOf("text", jsons));
            append.setString(6, aggregateId);
            append.setString(7, topic);
            append.setString(8, aggregateId);
            append.executeUpdate();
        }
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

    /** The version an aggregate is at: its latest event's, 0 when it has none. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public long version(String aggregateId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "select coalesce(max(aggregate_version), 0) from event_store where aggregate_id = ?")) {
            select.setString(1, aggregateId);
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the version of " + aggregateId, e);
        }
    }

    /** Whether any event of the aggregate was stored here. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public boolean exists(String aggregateId) {
        return version(aggregateId) > 0;
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
