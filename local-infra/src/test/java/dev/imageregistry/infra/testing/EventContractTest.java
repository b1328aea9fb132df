package dev.imageregistry.infra.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The published contract is complete and its validator really refuses what breaks it. */
class EventContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String REGISTERED = """
            {"specversion":"1.0","id":"0b6f2a8e-8c1d-4f7a-9a35-3f0d2c1e5b77","source":"/regions/us-east-1/registry-service",
             "type":"ImageRegistered","subject":"ami-0123456789abcdef0","time":"2026-11-23T10:00:00.000Z",
             "datacontenttype":"application/json","region":"us-east-1","aggregateversion":1,"schemaversion":1,
             "data":{"imageId":"ami-0123456789abcdef0","ownerId":"111122223333","name":"web-server-1",
                     "architecture":"x86_64","rootDeviceName":"/dev/xvda","state":"available",
                     "creationDate":"2026-11-23T10:00:00.000Z",
                     "blockDeviceMappings":[{"deviceName":"/dev/xvda","ebs":{"snapshotId":"snap-0123456789abcdef0","volumeSize":8}}]}}
            """;

    @Test
    void aValidEventConforms() {
        EventContract.assertConforms(REGISTERED);
    }

    @Test
    void aPayloadBreakingItsSchemaIsRefused() {
        String badId = REGISTERED.replace("\"imageId\":\"ami-0123456789abcdef0\"", "\"imageId\":\"ami-xyz\"");
        assertThrows(AssertionError.class, () -> EventContract.assertConforms(badId));
        String missingOwner = REGISTERED.replace("\"ownerId\":\"111122223333\",", "");
        assertThrows(AssertionError.class, () -> EventContract.assertConforms(missingOwner));
    }

    @Test
    void anEnvelopeBreakingCloudEventsIsRefused() {
        assertThrows(AssertionError.class, () -> EventContract.assertConforms(REGISTERED.replace("\"1.0\"", "\"0.3\"")));
        assertThrows(AssertionError.class, () -> EventContract.assertConforms(REGISTERED.replace("\"aggregateversion\":1", "\"aggregateversion\":0")));
        assertThrows(AssertionError.class, () -> EventContract.assertConforms(REGISTERED.replace("ImageRegistered", "ImageTeleported")));
    }

    @Test
    void everyEventTypeHasASchemaAnAsyncApiMessageAndAnEnvelopeEntry() throws IOException {
        Path dir = EventContract.schemaDirectory();
        Set<String> schemas;
        try (Stream<Path> files = Files.list(dir)) {
            schemas = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".schema.json"))
                    .filter(n -> !n.equals("envelope.schema.json")).map(n -> n.replace(".schema.json", ""))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        JsonNode envelope = JSON.readTree(dir.resolve("envelope.schema.json").toFile());
        Set<String> enumerated = new TreeSet<>();
        envelope.at("/properties/type/enum").forEach(n -> enumerated.add(n.asText()));
        assertEquals(schemas, enumerated, "envelope.schema.json type enum vs schema files");
        String asyncApi = Files.readString(dir.resolve("asyncapi.yaml"));
        for (String type : schemas) {
            assertTrue(asyncApi.contains("\n    " + type + ":\n      name: " + type), type + " missing from asyncapi.yaml");
            JsonNode schema = JSON.readTree(dir.resolve(type + ".schema.json").toFile());
            assertEquals(type, schema.path("title").asText());
            assertTrue(schema.path("description").asText().contains("Produced by"), type + " names no producer");
        }
        assertTrue(schemas.containsAll(List.of("ImageRegistered", "ImageShared", "ImageCopied", "ImageDeregistered",
                "SnapshotCompleted", "InstanceLaunched")));
    }
}
