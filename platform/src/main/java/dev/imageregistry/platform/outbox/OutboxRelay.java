package dev.imageregistry.platform.outbox;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import dev.imageregistry.platform.EventMetrics;
import dev.imageregistry.platform.tracing.TraceContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Publishes queued events to Kafka in the order they were stored, then removes them from the outbox.
 *
 * <p>Every replica runs a relay, but only the one holding a PostgreSQL advisory lock drains at a time: two
 * relays draining side by side could publish one image's events out of order. A crash after sending but
 * before deleting sends those events again; consumers are idempotent, so that is harmless.
 */
@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    /** Any constant shared by all replicas of all services; each service has its own database. */
    private static final long RELAY_LOCK = 0x6f7574626f78L;

    private final DataSource dataSource;
    private final Emitter<String> emitter;
    private final EventMetrics metrics;
    private final int batchSize;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "outbox-relay");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean drainQueued = new AtomicBoolean();

    public OutboxRelay(DataSource dataSource, @Channel("outbox") @OnOverflow(value = OnOverflow.Strategy.BUFFER,
            bufferSize = 4096) Emitter<String> emitter, EventMetrics metrics,
            @ConfigProperty(name = "imageregistry.outbox.batch-size", defaultValue = "500") int batchSize) {
        this.dataSource = dataSource;
        this.emitter = emitter;
        this.metrics = metrics;
        this.batchSize = batchSize;
    }

    void onWritten(@Observes(during = TransactionPhase.AFTER_SUCCESS) EventStore.OutboxWritten written) {
        requestDrain();
    }

    /** The safety net: events left behind by a failed send or by another replica's crash. */
    @Scheduled(every = "${imageregistry.outbox.poll-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = NotStartedYet.class)
    void poll() {
        requestDrain();
    }

    private void requestDrain() {
        if (drainQueued.compareAndSet(false, true)) {
            worker.execute(() -> {
                drainQueued.set(false);
                drain();
            });
        }
    }

    /** Publishes until the outbox is empty or another replica holds the relay; returns how many were sent. */
    public int drain() {
        int total = 0;
        try {
            int sent;
            do {
                sent = QuarkusTransaction.requiringNew().timeout(60).call(this::relayBatch);
                total += sent;
            } while (sent == batchSize);
        } catch (RuntimeException e) {
            LOG.warnf("outbox relay paused, will retry: %s", rootMessage(e));
        }
        return total;
    }

    /**
     * Publishes until no event of {@code topic} is queued, for a caller that must see every committed event on the
     * topic (a rebuild reading the topic's end). False when the outbox could not be drained within {@code limit}.
     */
    public boolean drainTopic(String topic, java.time.Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (queued(topic) > 0) {
            drain();
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** How many events of {@code topic} wait to be published. */
    public long queued(String topic) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement count = connection.prepareStatement("select count(*) from outbox where topic = ?")) {
            count.setString(1, topic);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not count the outbox", e);
        }
    }

    private int relayBatch() throws SQLException, InterruptedException {
        try (Connection connection = dataSource.getConnection()) {
            // The relay's lock and the batch in one round trip (the CTE, volatile, runs once): a batch is often
            // a single event, so each round trip saved is one less per published event. No rows when another
            // replica holds the lock, or when the outbox is empty.
            List<Queued> batch = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("with relay as (select "
                    + "pg_try_advisory_xact_lock(?) as held) select position, event_type, topic, message_key, envelope "
                    + "from outbox, relay where relay.held order by position limit ?")) {
                select.setLong(1, RELAY_LOCK);
                select.setInt(2, batchSize);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        batch.add(new Queued(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5)));
                    }
                }
            }
            if (batch.isEmpty()) {
                return 0;
            }
            List<CompletableFuture<Void>> acks = new ArrayList<>(batch.size());
            for (Queued queued : batch) {
                acks.add(send(queued));
            }
            try {
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("Kafka did not acknowledge the outbox batch", e);
            }
            // Exactly the rows sent: a transaction that took a lower position may have committed meanwhile, and
            // its event is not sent yet (positions are handed out at insert, not at commit).
            try (PreparedStatement delete = connection.prepareStatement("delete from outbox where position = any(?)")) {
                delete.setArray(1, connection.createArrayOf("bigint",
                        batch.stream().map(Queued::position).toArray(Long[]::new)));
                delete.executeUpdate();
            }
            batch.forEach(queued -> metrics.published(queued.eventType()));
            return batch.size();
        }
    }

    private CompletableFuture<Void> send(Queued queued) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        RecordHeaders headers = new RecordHeaders();
        // Structured-mode CloudEvents over Kafka: the whole envelope is the value.
        headers.add("content-type", "application/cloudevents+json; charset=UTF-8".getBytes(StandardCharsets.UTF_8));
        String traceparent = traceparentOf(queued.envelope());
        if (traceparent != null) {
            // The trace of the request that decided the event, not of this relay thread: CloudEvents' Kafka
            // binding carries the Distributed Tracing extension as this header.
            headers.add(TraceContext.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        }
        Context stored = TraceContext.contextOf(traceparent);
        Message<String> message = Message.of(queued.envelope())
                .addMetadata(OutgoingKafkaRecordMetadata.<String> builder()
                        .withTopic(queued.topic())
                        .withKey(queued.key())
                        .withHeaders(headers)
                        .build())
                // The connector's producer span (when tracing is on) is a child of the stored context.
                .addMetadata(TracingMetadata.withCurrent(stored))
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        // Current while handing over, so that an agent instrumenting the Kafka client sees the same parent.
        try (Scope scope = stored.makeCurrent()) {
            emitter.send(message);
        }
        return acked;
    }

    /**
     * The envelope's traceparent without parsing the whole event (a block map event is large): EventJson writes it
     * as the envelope's last attribute, so a traced envelope ends with {@code ,"traceparent":"00-..."}}.
     */
    static String traceparentOf(String envelope) {
        int valueLength = 55;
        int start = envelope.length() - 2 - valueLength;
        String attribute = "\"" + TraceContext.TRACEPARENT + "\":\"";
        if (start - attribute.length() < 0 || !envelope.endsWith("\"}")
                || !envelope.startsWith(attribute, start - attribute.length())) {
            return null;
        }
        String traceparent = envelope.substring(start, start + valueLength);
        return TraceContext.parse(traceparent).isPresent() ? traceparent : null;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.toString();
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }

    /** The messaging channels are wired only once the application has started; polling before fails. */
    @ApplicationScoped
    public static class NotStartedYet implements Scheduled.SkipPredicate {
        private volatile boolean started;

        void onStart(@Observes io.quarkus.runtime.StartupEvent event) {
            started = true;
        }

        @Override
        public boolean test(io.quarkus.scheduler.ScheduledExecution execution) {
            return !started;
        }
    }

    private record Queued(long position, String eventType, String topic, String key, String envelope) {
    }
}
