package dev.imageregistry.infra.testing;

import java.util.Map;

/**
 * A service's OpenAPI document as the generated suites read it (HostileRequests, CrossAccountMatrix): its paths, and
 * its schemas with {@code $ref}s resolved.
 */
final class OpenApiDocument {
    private final Map<String, Object> paths;
    private final Map<String, Object> schemas;

    @SuppressWarnings("unchecked")
    OpenApiDocument(Map<String, Object> openApi) {
        this.paths = (Map<String, Object>) openApi.get("paths");
        Map<String, Object> components = (Map<String, Object>) openApi.getOrDefault("components", Map.of());
        this.schemas = (Map<String, Object>) components.getOrDefault("schemas", Map.of());
    }

    Map<String, Object> paths() {
        return paths;
    }

    /** The schema, its {@code $ref} followed; empty when it is none. */
    @SuppressWarnings("unchecked")
    Map<String, Object> resolve(Object schema) {
        if (!(schema instanceof Map<?, ?> map)) {
            return Map.of();
        }
        if (map.get("$ref") instanceof String ref) {
            Object resolved = schemas.get(ref.substring(ref.lastIndexOf('/') + 1));
            return resolved instanceof Map<?, ?> ? (Map<String, Object>) resolved : Map.of();
        }
        return (Map<String, Object>) map;
    }

    /** The schema of an operation's JSON request body (empty when it names none), or null when it takes no JSON. */
    Map<String, Object> bodySchema(Map<String, Object> operation) {
        if (operation.get("requestBody") instanceof Map<?, ?> requestBody
                && requestBody.get("content") instanceof Map<?, ?> content
                && content.get("application/json") instanceof Map<?, ?> json) {
            return resolve(json.get("schema"));
        }
        return null;
    }
}
