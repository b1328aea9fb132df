package dev.imageregistry.platform;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;

/** The service's own counters beside the framework's: events published and consumed, per event type. */
@ApplicationScoped
public class EventMetrics {
    private final MeterRegistry registry;

    public EventMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void published(String eventType) {
        registry.counter("imageregistry.events.published", "type", eventType).increment();
    }

    public void consumed(String readModel, String eventType) {
        registry.counter("imageregistry.events.consumed", "read_model", readModel, "type", eventType).increment();
    }

    public void rejected(String readModel, String reason) {
        registry.counter("imageregistry.events.rejected", "read_model", readModel, "reason", reason).increment();
    }
}
