package dev.imageregistry.registry.rest;

import java.time.Duration;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.operators.OperatorRole;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.platform.outbox.OutboxRelay;
import dev.imageregistry.platform.projection.ReadModelRebuild;
import dev.imageregistry.platform.projection.ReadModelRebuild.Report;
import dev.imageregistry.registry.catalogue.ImageCatalogue;
import dev.imageregistry.registry.instances.ImageInstances;
import dev.imageregistry.registry.snapshots.KnownSnapshots;
import io.agroal.api.AgroalDataSource;

/** Operator commands: wipe a read model and rebuild it from its topics' beginning. */
@RolesAllowed(OperatorRole.NAME)
@Path("/admin/read-models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
public class ReadModelResource {
    private static final Duration OUTBOX_DRAIN_LIMIT = Duration.ofSeconds(60);

    private final ReadModelRebuild rebuild;
    private final ImageCatalogue catalogue;
    private final KnownSnapshots snapshots;
    private final ImageInstances instances;
    private final OutboxRelay relay;
    private final EventStore events;
    private final AgroalDataSource dataSource;

    public ReadModelResource(ReadModelRebuild rebuild, ImageCatalogue catalogue, KnownSnapshots snapshots,
            ImageInstances instances, OutboxRelay relay, EventStore events, AgroalDataSource dataSource) {
        this.rebuild = rebuild;
        this.catalogue = catalogue;
        this.snapshots = snapshots;
        this.instances = instances;
        this.relay = relay;
        this.events = events;
        this.dataSource = dataSource;
    }

    @POST
    @Path("/{name}/rebuild")
    @Operation(summary = "Rebuilds the images (describe view), snapshots or instances read model from the topics")
    public Report rebuild(@PathParam("name") String name) {
        return switch (name) {
            case ImageCatalogue.READ_MODEL -> rebuild.rebuild(name, List.of(events.topic()), () -> {
                // Under the rebuild's exclusive lock no command can commit; every event committed before it
                // must be on the topic before the replay reads the topic's end, or the view would lose it.
                drainOutbox();
                catalogue.clear();
            }, catalogue.batched());
            case KnownSnapshots.READ_MODEL -> rebuild.rebuild(name, List.of("snapshot-events"), snapshots::clear,
                    snapshots::project);
            case ImageInstances.READ_MODEL -> rebuild.rebuild(name, List.of("instance-events"), instances::clear,
                    instances::project);
            default -> throw Ec2Exception.invalidParameter("Unknown read model; valid: images, snapshots, instances");
        };
    }

    private void drainOutbox() {
        long deadline = System.nanoTime() + OUTBOX_DRAIN_LIMIT.toNanos();
        while (queued() > 0) {
            relay.drain();
            if (System.nanoTime() > deadline) {
                throw new Ec2Exception(503, "Unavailable", "The outbox could not be drained to Kafka; retry later.");
            }
            Thread.onSpinWait();
        }
    }

    private long queued() {
        try (var connection = dataSource.getConnection();
                var statement = connection.prepareStatement("select count(*) from outbox where topic = ?")) {
            statement.setString(1, events.topic());
            try (var rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("could not count the outbox", e);
        }
    }
}
