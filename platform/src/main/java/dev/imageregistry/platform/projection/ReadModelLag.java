package dev.imageregistry.platform.projection;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;

/**
 * How many events each read model is behind its topics: the topics' end offsets minus what this replica has
 * applied, over the partitions this replica consumes. Exported as {@code imageregistry_read_model_lag_events}.
 */
@ApplicationScoped
public class ReadModelLag {
    private static final Logger LOG = Logger.getLogger(ReadModelLag.class);

    private final MeterRegistry registry;
    private final String bootstrapServers;
    private final Map<String, Map<TopicPartition, Long>> nextOffsets = new ConcurrentHashMap<>();
    private final Map<String, Long> lag = new ConcurrentHashMap<>();
    private volatile Admin admin;

    public ReadModelLag(MeterRegistry registry,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.registry = registry;
        this.bootstrapServers = bootstrapServers;
    }

    void applied(String readModel, String topic, int partition, long offset) {
        nextOffsets.computeIfAbsent(readModel, name -> {
            Gauge.builder("imageregistry.read.model.lag.events", lag, l -> l.getOrDefault(name, 0L))
                    .tag("read_model", name)
                    .description("events on the read model's topics that it has not applied yet")
                    .register(registry);
            return new ConcurrentHashMap<>();
        }).merge(new TopicPartition(topic, partition), offset + 1, Math::max);
    }

    /** The last computed lag of a read model (0 when it has consumed nothing yet). */
    public long lag(String readModel) {
        return lag.getOrDefault(readModel, 0L);
    }

    @Scheduled(every = "${imageregistry.read-model.lag-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        if (nextOffsets.isEmpty()) {
            return;
        }
        try {
            Set<TopicPartition> partitions = nextOffsets.values().stream().flatMap(m -> m.keySet().stream())
                    .collect(Collectors.toSet());
            var ends = admin().listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all().get(5, TimeUnit.SECONDS);
            nextOffsets.forEach((readModel, offsets) -> lag.put(readModel, offsets.entrySet().stream()
                    .mapToLong(e -> Math.max(0, ends.get(e.getKey()).offset() - e.getValue())).sum()));
        } catch (Exception e) {
            LOG.debugf("read model lag not refreshed: %s", e.toString());
        }
    }

    private Admin admin() {
        if (admin == null) {
            synchronized (this) {
                if (admin == null) {
                    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                            AdminClientConfig.CLIENT_ID_CONFIG, "read-model-lag"));
                }
            }
        }
        return admin;
    }

    @PreDestroy
    void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
