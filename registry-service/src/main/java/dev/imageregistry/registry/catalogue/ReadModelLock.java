package dev.imageregistry.registry.catalogue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * Commands project into the describe view in their own transaction, so they must not interleave with a
 * rebuild of it: each command takes the view's lock shared (the platform's rebuild takes it exclusive) until
 * its transaction ends. The key is the one {@code EventIntake} derives from the read model's name.
 */
@ApplicationScoped
public class ReadModelLock {
    private final DataSource dataSource;

    public ReadModelLock(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void enter() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement lock = connection.prepareStatement("select pg_advisory_xact_lock_shared(?)")) {
            lock.setLong(1, key(ImageCatalogue.READ_MODEL));
            lock.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("could not take the read model lock", e);
        }
    }

    /** Must equal EventIntake's key for the same read model (platform/projection/EventIntake#lockKey). */
    static long key(String readModel) {
        return 0x726d000000000000L | (readModel.hashCode() & 0xffffffffL);
    }
}
