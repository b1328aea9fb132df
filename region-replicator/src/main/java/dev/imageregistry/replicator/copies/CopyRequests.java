package dev.imageregistry.replicator.copies;

import java.sql.Timestamp;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.projection.EventIntake;
import io.smallrye.common.annotation.Blocking;

/**
 * Turns this Region's ImageCopyRequested events (the registry accepted a CopyImage) into copy jobs. A replayed
 * request finds its job already there: a copy is never started twice.
 */
@ApplicationScoped
public class CopyRequests {
    static final String READ_MODEL = "copy-requests";

    private final EventIntake intake;
    private final CopyJobs jobs;

    public CopyRequests(EventIntake intake, CopyJobs jobs) {
        this.intake = intake;
        this.jobs = jobs;
    }

    @Incoming("image-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(READ_MODEL, record, this::project);
    }

    void project(EventEnvelope event) {
        if (!"ImageCopyRequested".equals(event.type())) {
            return;
        }
        JsonNode data = event.data();
        jobs.accept(data.path("imageId").asText(), data.path("ownerId").asText(), data.path("sourceRegion").asText(),
                data.path("sourceImageId").asText(), data.path("name").asText(), data.path("description").asText(null),
                data.path("copyImageTags").asBoolean(false), Timestamp.from(event.time() != null ? event.time() : Instant.now()));
    }
}
