package dev.imageregistry.platform.events;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A CloudEvents 1.0 event in structured JSON mode, with extension attributes: the version of the aggregate after
 * this event, the version of the event's schema, and (optional, CloudEvents' Distributed Tracing extension) the
 * W3C {@code traceparent} of the work that decided it. docs/events/envelope.schema.json is its contract.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventEnvelope(
        String specversion,
        String id,
        String source,
        String type,
        String subject,
        Instant time,
        String datacontenttype,
        String region,
        long aggregateversion,
        int schemaversion,
        JsonNode data,
        String traceparent) {

    public static final String SPEC_VERSION = "1.0";

    /** An envelope without trace context (the shape before the traceparent attribute existed). */
    public EventEnvelope(String specversion, String id, String source, String type, String subject, Instant time,
            String datacontenttype, String region, long aggregateversion, int schemaversion, JsonNode data) {
        this(specversion, id, source, type, subject, time, datacontenttype, region, aggregateversion, schemaversion,
                data, null);
    }

    public static EventEnvelope of(DomainEvent event, String source, String region, long aggregateVersion,
            Instant time) {
        return of(event, source, region, aggregateVersion, time, null);
    }

    /** {@code traceparent} may be null (no trace); it is then left out of the JSON. */
    public static EventEnvelope of(DomainEvent event, String source, String region, long aggregateVersion,
            Instant time, String traceparent) {
        return new EventEnvelope(SPEC_VERSION, EventIds.next().toString(), source, event.eventType(),
                event.aggregateId(), time, "application/json", region, aggregateVersion, event.schemaVersion(),
                EventJson.MAPPER.valueToTree(event), traceparent);
    }

    public UUID eventId() {
        return UUID.fromString(id);
    }

    /** Reads the payload as the consumer's own view of it (a tolerant reader: unknown fields are ignored). */
    public <T> T dataAs(Class<T> view) {
        return EventJson.MAPPER.convertValue(data, view);
    }
}
