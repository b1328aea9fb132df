package dev.imageregistry.registry.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.function.Consumer;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transactional;
import jakarta.transaction.TransactionSynchronizationRegistry;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.platform.outbox.OutboxRelay;
import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.platform.projection.ReadModel;
import dev.imageregistry.registry.domain.ImageEvent;
import dev.imageregistry.registry.domain.ImageEvent.*;

/**
 * The describe view ({@code image}, one row per image: tags as jsonb, launch permissions and snapshot IDs as
 * indexed arrays), the {@code images} read model of image-events. The same projector runs in the command's
 * transaction (so a caller reads its own writes) and during a rebuild from the topic, so the rebuilt view cannot
 * differ from the live one.
 *
 * <p>Each row remembers the aggregate version it reflects; an event at or below it is a duplicate and changes
 * nothing, which keeps the projection idempotent even where no applied-event row is kept (the live path).
 */
@ApplicationScoped
public class ImageCatalogue implements ReadModel {
    public static final String NAME = "images";
    private static final Duration OUTBOX_DRAIN_LIMIT = Duration.ofSeconds(60);

    private final Jdbc jdbc;
    private final DataSource dataSource;
    private final TransactionSynchronizationRegistry synchronizations;
    private final EventIntake intake;
    private final EventStore events;
    private final OutboxRelay relay;

    public ImageCatalogue(Jdbc jdbc, DataSource dataSource, TransactionSynchronizationRegistry synchronizations,
            EventIntake intake, EventStore events, OutboxRelay relay) {
        this.jdbc = jdbc;
        this.dataSource = dataSource;
        this.synchronizations = synchronizations;
        this.intake = intake;
        this.events = events;
        this.relay = relay;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** This service's own topic: the view is a projection of the events it decided. */
    @Override
    public List<String> topics() {
        return List.of(events.topic());
    }

    /**
     * Commands project into the view in their own transaction (read-your-writes), so they must not interleave
     * with a rebuild of it: each command holds the view's lock shared until its transaction ends (the rebuild
     * takes it exclusive).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void lockShared() {
        intake.enterShared(NAME);
    }

    /**
     * Projects one event just decided, in the command's transaction (the live path: read-your-writes). The
     * decided event is passed beside its envelope, which saves reading the envelope's JSON tree back into it.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void apply(EventEnvelope envelope, ImageEvent decided) {
        project(envelope, decided, jdbc::update);
    }

    @Override
    @Transactional(Transactional.TxType.MANDATORY)
    public void project(EventEnvelope envelope) {
        project(envelope, null, jdbc::update);
    }

    /**
     * The rebuild's projector: the same translation of events into statements, sent to PostgreSQL in JDBC batches
     * (consecutive statements of the same shape; order is kept) and flushed before the commit. Batching is what
     * makes a rebuild of 100,000 images take seconds, which is why this projector keeps its own connection rather
     * than the one-statement-at-a-time {@link Jdbc}.
     */
    @Override
    public Consumer<EventEnvelope> replayProjector() {
        BatchedStatements batch = new BatchedStatements();
        return envelope -> project(envelope, null, batch);
    }

    /**
     * Empties the view before a rebuild (inside the rebuild's transaction, under its exclusive lock). Under that
     * lock no command can commit; every event committed before it must be on the topic before the replay reads
     * the topic's end, or the view would lose it: so the outbox of this topic is drained first.
     */
    @Override
    @Transactional(Transactional.TxType.MANDATORY)
    public void clear() {
        if (!relay.drainTopic(events.topic(), OUTBOX_DRAIN_LIMIT)) {
            throw new Ec2Exception(503, "Unavailable", "The outbox could not be drained to Kafka; retry later.");
        }
        jdbc.update("delete from image_awaited_snapshot");
        jdbc.update("delete from image");
    }

    /** The pending image made from an instance that waits for this snapshot of its root volume, if there is one. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<String> awaiting(String snapshotId) {
        return jdbc.one("select image_id from image_awaited_snapshot where snapshot_id = ?", rs -> rs.getString(1),
                snapshotId);
    }

    @FunctionalInterface
    private interface Statements {
        void run(String sql, Object... params);
    }

    private void project(EventEnvelope envelope, ImageEvent decided, Statements sink) {
        Class<? extends ImageEvent> type = ImageEvent.typeOf(envelope.type());
        if (type == null) {
            return;
        }
        ImageEvent event = decided != null ? decided : envelope.dataAs(type);
        long version = envelope.aggregateversion();
        if (event instanceof ImageRegistered e) {
            sink.run("insert into image (image_id, version, owner_id, name, description, state, creation_date, "
                    + "architecture, root_device_name, block_device_mappings, snapshot_ids, boot_mode, "
                    + "virtualization_type, ena_support, imds_support, tags) "
                    + "values (?, ?, ?, ?, ?, 'available', ?, ?, ?, ?::jsonb, ?::text[], ?, ?, ?, ?, ?::jsonb) "
                    + "on conflict (image_id) do nothing",
                    e.imageId(), version, e.ownerId(), e.name(), e.description(),
                    e.creationDate() != null ? e.creationDate() : envelope.time(), e.architecture(),
                    e.rootDeviceName(), json(e.blockDeviceMappings()), snapshotIds(e.blockDeviceMappings()),
                    e.bootMode(), e.virtualizationType(), e.enaSupport(), e.imdsSupport(), json(tagObject(e.tags())));
        } else if (event instanceof ImageCopyRequested e) {
            sink.run("insert into image (image_id, version, owner_id, name, description, state, creation_date, "
                    + "source_image_id, source_region) values (?, ?, ?, ?, ?, 'pending', ?, ?, ?) "
                    + "on conflict (image_id) do nothing",
                    e.imageId(), version, e.ownerId(), e.name(), e.description(),
                    e.creationDate() != null ? e.creationDate() : envelope.time(), e.sourceImageId(), e.sourceRegion());
        } else if (event instanceof ImageCreationRequested e) {
            sink.run("insert into image (image_id, version, owner_id, name, description, state, creation_date, "
                    + "architecture, root_device_name, block_device_mappings, snapshot_ids, boot_mode, "
                    + "virtualization_type, ena_support, imds_support, tags, source_instance_id) "
                    + "values (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?::jsonb, ?::text[], ?, ?, ?, ?, ?::jsonb, ?) "
                    + "on conflict (image_id) do nothing",
                    e.imageId(), version, e.ownerId(), e.name(), e.description(),
                    e.creationDate() != null ? e.creationDate() : envelope.time(), e.architecture(),
                    e.rootDeviceName(), json(e.blockDeviceMappings()), snapshotIds(e.blockDeviceMappings()),
                    e.bootMode(), e.virtualizationType(), e.enaSupport(), e.imdsSupport(), json(tagObject(e.tags())),
                    e.sourceInstanceId());
            sink.run("insert into image_awaited_snapshot (snapshot_id, image_id) values (?, ?) on conflict do nothing",
                    e.snapshotId(), e.imageId());
        } else if (event instanceof ImageAvailable e) {
            sink.run("delete from image_awaited_snapshot where image_id = ?", e.imageId());
            update(sink, e.imageId(), version, "state = 'available', state_reason_code = null, state_reason_message = null, "
                    + "architecture = ?, root_device_name = ?, block_device_mappings = ?::jsonb, snapshot_ids = ?::text[], "
                    + "boot_mode = ?, virtualization_type = ?, ena_support = ?, imds_support = ?, tags = tags || ?::jsonb",
                    e.architecture(), e.rootDeviceName(), json(e.blockDeviceMappings()),
                    snapshotIds(e.blockDeviceMappings()), e.bootMode(), e.virtualizationType(), e.enaSupport(),
                    e.imdsSupport(), json(tagObject(e.tags())));
        } else if (event instanceof ImageFailed e) {
            sink.run("delete from image_awaited_snapshot where image_id = ?", e.imageId());
            update(sink, e.imageId(), version, "state = 'failed', state_reason_code = ?, state_reason_message = ?",
                    e.stateReason().code(), e.stateReason().message());
        } else if (event instanceof ImageDescriptionChanged e) {
            update(sink, e.imageId(), version, "description = ?", e.description());
        } else if (event instanceof ImageShared e) {
            update(sink, e.imageId(), version, "launch_users = array(select distinct u from unnest(launch_users || "
                    + "?::text[]) u order by u), is_public = is_public or ?", e.userIds().toArray(String[]::new),
                    e.groups().contains("all"));
        } else if (event instanceof ImageUnshared e) {
            update(sink, e.imageId(), version, "launch_users = array(select u from unnest(launch_users) u "
                    + "where u <> all(?::text[]) order by u), is_public = is_public and not ?",
                    e.userIds().toArray(String[]::new), e.groups().contains("all"));
        } else if (event instanceof ImageTagged e) {
            update(sink, e.imageId(), version, "tags = tags || ?::jsonb", json(tagObject(e.tags())));
        } else if (event instanceof ImageUntagged e) {
            // Cast: passed alone, the array would be taken for the varargs array itself, one parameter per key.
            update(sink, e.imageId(), version, "tags = tags - ?::text[]", (Object) e.keys().toArray(String[]::new));
        } else if (event instanceof ImageDeprecated e) {
            update(sink, e.imageId(), version, "deprecation_time = ?", e.deprecationTime());
        } else if (event instanceof ImageDeprecationCancelled e) {
            update(sink, e.imageId(), version, "deprecation_time = null");
        } else if (event instanceof ImageDisabled e) {
            update(sink, e.imageId(), version, "state = 'disabled'");
        } else if (event instanceof ImageEnabled e) {
            update(sink, e.imageId(), version, "state = 'available'");
        } else if (event instanceof ImageDeregistrationProtectionChanged e) {
            update(sink, e.imageId(), version, "deregistration_protection = ?", protection(e));
        } else if (event instanceof ImageDeregistered e) {
            update(sink, e.imageId(), version, "state = 'deregistered'");
        }
    }

    /** The describe API's wording of deregistration protection (as EC2's DeregistrationProtection field). */
    static String protection(ImageDeregistrationProtectionChanged e) {
        if (e.enabled()) {
            return Boolean.TRUE.equals(e.withCooldown()) ? "enabled-with-cooldown" : "enabled";
        }
        return e.cooldownUntil() == null ? "disabled" : "disabled-until-" + e.cooldownUntil();
    }

    /** Applies an event at {@code version} unless the row already reflects it (a duplicate or a replay). */
    private static void update(Statements sink, String imageId, long version, String set, Object... values) {
        Object[] params = new Object[values.length + 3];
        System.arraycopy(values, 0, params, 0, values.length);
        params[values.length] = version;
        params[values.length + 1] = imageId;
        params[values.length + 2] = version;
        sink.run("update image set " + set + ", version = ? where image_id = ? and version < ?", params);
    }

    /** Statements of one transaction, batched while their SQL repeats; flushed before the transaction commits. */
    private final class BatchedStatements implements Statements {
        private static final int MAX_BATCH = 1000;
        private Connection connection;
        private String sql;
        private PreparedStatement statement;
        private int pending;

        @Override
        public void run(String next, Object... params) {
            try {
                if (connection == null) {
                    connection = dataSource.getConnection();
                    synchronizations.registerInterposedSynchronization(new Synchronization() {
                        @Override
                        public void beforeCompletion() {
                            close();
                        }

                        @Override
                        public void afterCompletion(int status) {
                        }
                    });
                }
                if (!next.equals(sql)) {
                    flush();
                    if (statement != null) {
                        statement.close();
                    }
                    statement = connection.prepareStatement(next);
                    sql = next;
                }
                for (int i = 0; i < params.length; i++) {
                    Object value = params[i];
                    if (value instanceof String[] array) {
                        statement.setArray(i + 1, connection.createArrayOf("text", array));
                    } else if (value instanceof Instant instant) {
                        statement.setTimestamp(i + 1, Timestamp.from(instant));
                    } else {
                        statement.setObject(i + 1, value);
                    }
                }
                statement.addBatch();
                if (++pending >= MAX_BATCH) {
                    flush();
                }
            } catch (SQLException e) {
                throw new IllegalStateException("could not project an image event", e);
            }
        }

        private void flush() throws SQLException {
            if (pending > 0) {
                statement.executeBatch();
                pending = 0;
            }
        }

        private void close() {
            try {
                flush();
                if (statement != null) {
                    statement.close();
                }
                connection.close();
            } catch (SQLException e) {
                throw new IllegalStateException("could not flush the rebuilt image view", e);
            }
        }
    }

    private static String[] snapshotIds(List<BlockDeviceMapping> mappings) {
        List<String> ids = new ArrayList<>();
        if (mappings != null) {
            for (BlockDeviceMapping mapping : mappings) {
                if (mapping.ebs() != null && mapping.ebs().snapshotId() != null) {
                    ids.add(mapping.ebs().snapshotId());
                }
            }
        }
        return ids.toArray(String[]::new);
    }

    private static Map<String, String> tagObject(List<Tag> tags) {
        Map<String, String> object = new LinkedHashMap<>();
        if (tags != null) {
            tags.forEach(tag -> object.put(tag.key(), tag.value()));
        }
        return object;
    }

    private static String json(Object value) {
        try {
            return EventJson.MAPPER.writeValueAsString(value == null ? List.of() : value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
