package dev.imageregistry.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server (the binaries come from Maven Central in a jar) on a free port. Each service gets a
 * database of its own on it; no service reads another's tables. The cluster lives under a data directory, so a
 * second start over the same directory resumes where the first stopped.
 */
public final class PostgresServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PostgresServer.class);
    public static final String USER = "postgres";

    private volatile EmbeddedPostgres postgres;
    private final Path dataDirectory;

    private PostgresServer(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
    }

    public static PostgresServer start(Path dataDirectory) {
        return new PostgresServer(postmaster(dataDirectory, FreePort.next()), dataDirectory);
    }

    /**
     * Completes when the server's postmaster exits. pg_ctl starts it as a daemon (not a child of this JVM), so it is
     * found by the PID in its lock file.
     */
    public java.util.concurrent.CompletableFuture<ProcessHandle> onExit() {
        try {
            long pid = Long.parseLong(java.nio.file.Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0)
                    .trim());
            return ProcessHandle.of(pid).map(ProcessHandle::onExit)
                    .orElseGet(() -> java.util.concurrent.CompletableFuture.completedFuture(null));
        } catch (IOException | RuntimeException e) {
            return java.util.concurrent.CompletableFuture.completedFuture(null); // not running
        }
    }

    /**
     * Starts the server again after its postmaster died (a crash, a kill): the same port and data directory, so the
     * services' connection pools reconnect to the address they had; PostgreSQL recovers from its write-ahead log.
     */
    public synchronized void restart() {
        int port = postgres.getPort();
        try {
            postgres.close(); // the dead server's pg_ctl stop fails or finds nothing; either way it is gone
        } catch (IOException | RuntimeException e) {
            LOG.debugf("closing the dead PostgreSQL on port %d: %s", port, e);
        }
        postgres = postmaster(dataDirectory, port);
    }

    private static EmbeddedPostgres postmaster(Path dataDirectory, int port) {
        long started = System.nanoTime();
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("shared_buffers", "64MB")
                    // A test or local stack can lose its data on a power cut; it trades that for speed.
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
            LOG.infof("PostgreSQL ready on port %d in %d ms", postgres.getPort(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start", e);
        }
    }

    /** Creates the database if it does not exist yet and returns its JDBC URL. */
    public String database(String name) {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a database name: " + name);
        }
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery("select 1 from pg_database where datname = '" + name + "'")) {
                if (!rs.next()) {
                    statement.execute("create database " + name);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name, e);
        }
        return jdbcUrl(name);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database;
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
