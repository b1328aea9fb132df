package dev.imageregistry.infra.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The published contract of the event stream: the JSON Schemas under docs/events/. A producing service's test
 * validates the exact JSON it put on its topic against them, so the documentation cannot drift from the code.
 */
public final class EventContract {
    private static final String BASE = "https://image-registry.dev/schemas/events/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile JsonSchema envelope;

    private EventContract() {
    }

    /** Fails with every violation when {@code eventJson} is not a valid envelope with a valid payload. */
    public static void assertConforms(String eventJson) {
        Set<ValidationMessage> violations;
        JsonNode event;
        try {
            event = JSON.readTree(eventJson);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + eventJson, e);
        }
        violations = envelopeSchema().validate(event);
        if (!violations.isEmpty()) {
            throw new AssertionError("event " + event.path("type").asText() + " breaks docs/events: "
                    + violations.stream().map(ValidationMessage::getMessage).collect(Collectors.joining("; "))
                    + "\n" + eventJson);
        }
    }

    /** docs/events/ of this checkout (tests run with the module as working directory). */
    public static Path schemaDirectory() {
        String root = System.getProperty("project.root");
        Path dir = root != null ? Path.of(root, "docs", "events") : Path.of("..", "docs", "events");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("docs/events not found at " + dir.toAbsolutePath());
        }
        return dir.toAbsolutePath().normalize();
    }

    private static JsonSchema envelopeSchema() {
        if (envelope == null) {
            String directory = schemaDirectory().toUri().toString();
            JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                    builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(BASE, directory)));
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
            envelope = factory.getSchema(SchemaLocation.of(BASE + "envelope.schema.json"), config);
        }
        return envelope;
    }
}
