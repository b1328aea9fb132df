package dev.imageregistry.registry.catalogue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transactional;
import jakarta.transaction.TransactionSynchronizationRegistry;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.registry.image.ImageEvent;
import dev.imageregistry.registry.image.ImageEvent.*;

/**
 * The projector of the describe view. The same code runs in the command's transaction (so a caller reads its
 * own writes) and during a rebuild from image-events, so the rebuilt view cannot differ from the live one.
 *
 * <p>Each row remembers the aggregate version it reflects; an event at or below it is a duplicate and changes
 * nothing, which keeps the projection idempotent even where no applied-event row is kept (the live path).
 */
@ApplicationScoped
public class ImageCatalogue {
    public static final String READ_MODEL = "images";

    private final DataSource dataSource;
    private final TransactionSynchronizationRegistry synchronizations;

    public ImageCatalogue(DataSource dataSource, TransactionSynchronizationRegistry synchronizations) {
        this.dataSource = dataSource;
        this.synchronizations = synchronizations;
    }

    /**
     * Projects one event now, in the caller's transaction (the live path: read-your-writes). The decider passes
     * the event it just decided beside its envelope, which saves reading the envelope's JSON tree back into it.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void apply(EventEnvelope envelope, ImageEvent event) {
        project(envelope, event, this::runNow);
    }

    /**
     * A projector for a rebuild: the same translation of events into statements, sent to PostgreSQL in JDBC
     * batches (consecutive statements of the same shape; order is kept) and flushed before the commit.
     */
    public Consumer<EventEnvelope> batched() {
        BatchedStatements batch = new BatchedStatements();
        return envelope -> project(envelope, null, batch);
    }

    @FunctionalInterface
    interface Statements {
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
                    + "values (?, ?, ?, ?, ?, 'available', ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?::jsonb) "
                    + "on conflict (image_id) do nothing",
                    e.imageId(), version, e.ownerId(), e.name(), e.description(),
                    timestamp(e.creationDate() != null ? e.creationDate() : envelope.time()), e.architecture(),
                    e.rootDeviceName(), json(e.blockDeviceMappings()), snapshotIds(e.blockDeviceMappings()),
                    e.bootMode(), e.virtualizationType(), e.enaSupport(), e.imdsSupport(), json(tagObject(e.tags())));
        } else if (event instanceof ImageCopyRequested e) {
            insert(sink, e.imageId(), version, e.ownerId(), e.name(), e.description(), "pending", envelope.time(),
                    e.creationDate(), e.sourceImageId(), e.sourceRegion());
        } else if (event instanceof ImageAvailable e) {
            update(sink, e.imageId(), version, "state = 'available', state_reason_code = null, state_reason_message = null, "
                    + "architecture = ?, root_device_name = ?, block_device_mappings = ?::jsonb, snapshot_ids = ?, "
                    + "boot_mode = ?, virtualization_type = ?, ena_support = ?, imds_support = ?, tags = tags || ?::jsonb",
                    e.architecture(), e.rootDeviceName(), json(e.blockDeviceMappings()),
                    snapshotIds(e.blockDeviceMappings()), e.bootMode(), e.virtualizationType(), e.enaSupport(),
                    e.imdsSupport(), json(tagObject(e.tags())));
        } else if (event instanceof ImageFailed e) {
            update(sink, e.imageId(), version, "state = 'failed', state_reason_code = ?, state_reason_message = ?",
                    e.stateReason().code(), e.stateReason().message());
        } else if (event instanceof ImageDescriptionChanged e) {
            update(sink, e.imageId(), version, "description = ?", e.description());
        } else if (event instanceof ImageShared e) {
            update(sink, e.imageId(), version, "launch_users = array(select distinct u from unnest(launch_users || ?) u "
                    + "order by u), is_public = is_public or ?", e.userIds().toArray(String[]::new),
                    e.groups().contains("all"));
        } else if (event instanceof ImageUnshared e) {
            update(sink, e.imageId(), version, "launch_users = array(select u from unnest(launch_users) u "
                    + "where u <> all(?) order by u), is_public = is_public and not ?",
                    e.userIds().toArray(String[]::new), e.groups().contains("all"));
        } else if (event instanceof ImageTagged e) {
            update(sink, e.imageId(), version, "tags = tags || ?::jsonb", json(tagObject(e.tags())));
        } else if (event instanceof ImageUntagged e) {
            update(sink, e.imageId(), version, "tags = tags - ?", e.keys().toArray(String[]::new));
        } else if (event instanceof ImageDeprecated e) {
            update(sink, e.imageId(), version, "deprecation_time = ?", timestamp(e.deprecationTime()));
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

    /** Empties the view before a rebuild (inside the rebuild's transaction). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void clear() {
        execute("delete from image");
    }

    /** The describe API's wording of deregistration protection (as EC2's DeregistrationProtection field). */
    static String protection(ImageDeregistrationProtectionChanged e) {
        if (e.enabled()) {
            return Boolean.TRUE.equals(e.withCooldown()) ? "enabled-with-cooldown" : "enabled";
        }
        return e.cooldownUntil() == null ? "disabled" : "disabled-until-" + e.cooldownUntil();
    }

    private void insert(Statements sink, String imageId, long version, String ownerId, String name, String description, String state,
            Instant time, Instant creationDate, String sourceImageId, String sourceRegion) {
        String sql = "insert into image (image_id, version, owner_id, name, description, state, creation_date, "
                + "source_image_id, source_region) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (image_id) do nothing";
        sink.run(sql, imageId, version, ownerId, name, description, state,
                timestamp(creationDate != null ? creationDate : time), sourceImageId, sourceRegion);
    }

    /** Applies an event at {@code version} unless the row already reflects it (a duplicate or a replay). */
    private void update(Statements sink, String imageId, long version, String set, Object... values) {
        Object[] params = new Object[values.length + 3];
        System.arraycopy(values, 0, params, 0, values.length);
        params[values.length] = version;
        params[values.length + 1] = imageId;
        params[values.length + 2] = version;
        sink.run("update image set " + set + ", version = ? where image_id = ? and version < ?", params);
    }

    private void execute(String sql) {
        runNow(sql);
    }

    private void runNow(String sql, Object... params) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(connection, statement, params);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not project an image event", e);
        }
    }

    private static void bind(Connection connection, PreparedStatement statement, Object[] params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object value = params[i];
            if (value instanceof String[] array) {
                statement.setArray(i + 1, connection.createArrayOf("text", array));
            } else {
                statement.setObject(i + 1, value);
            }
        }
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
                bind(connection, statement, params);
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

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    static String[] snapshotIds(List<BlockDeviceMapping> mappings) {
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
