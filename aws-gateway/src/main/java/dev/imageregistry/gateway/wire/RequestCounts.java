package dev.imageregistry.gateway.wire;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code imageregistry_gateway_requests_total} by action and status, for every protocol the endpoint speaks. Each
 * counter is made once and kept: a request finds its counter by one map lookup instead of building tags. Callers
 * pass only action names that exist, so a client's made-up names cannot grow the metrics.
 */
@ApplicationScoped
public class RequestCounts {
    private final MeterRegistry metrics;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public RequestCounts(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    public void count(String action, int status) {
        String key = action + ' ' + status;
        Counter counter = counters.get(key);
        if (counter == null) {
            counter = counters.computeIfAbsent(key, k -> metrics.counter("imageregistry_gateway_requests_total",
                    "action", action, "status", String.valueOf(status)));
        }
        counter.increment();
    }
}
