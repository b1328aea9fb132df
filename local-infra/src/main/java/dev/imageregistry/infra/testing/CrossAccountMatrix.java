package dev.imageregistry.infra.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The requests of the cross-account matrix, generated from a service's OpenAPI document: for every operation that
 * takes an ID of a kind the owner has (an image, snapshot, instance, volume or copy, found by the parameter's or
 * field's name), the request with the owner's private resource in it, and the same request with an ID of the same
 * shape that exists nowhere. A stranger sends both: the first must be refused (or, for a GET, answered without the
 * owner's resource), and both must get the same answer, so that the stranger cannot even learn that it exists.
 */
public final class CrossAccountMatrix {
    /** One generated case: the request with the owner's IDs and the same with IDs that exist nowhere. */
    public record Case(String method, String template, Request owned, Request unknown) {
        public String what() {
            return method + " " + template + " " + owned.describe();
        }
    }

    public record Request(String path, Map<String, String> query, Map<String, Object> body) {
        String describe() {
            return (query.isEmpty() ? "" : "?" + query) + (body == null ? "" : " " + body);
        }
    }

    private final OpenApiDocument document;

    @SuppressWarnings("unchecked")
    public CrossAccountMatrix(Map<String, Object> openApi) {
        this.document = new OpenApiDocument(openApi);
    }

    /** The kind of ID a parameter or field names, or null. */
    static String kindOf(String name) {
        String lower = name.toLowerCase();
        for (String kind : List.of("snapshot", "instance", "volume", "copy", "image")) {
            if (lower.contains(kind) && (lower.endsWith("id") || lower.endsWith("ids"))) {
                return kind;
            }
        }
        return null;
    }

    /** Every case for the owner's resources (kind to ID); operations under {@code excludedPrefix} are left out. */
    @SuppressWarnings("unchecked")
    public List<Case> cases(Map<String, String> owned, String excludedPrefix) {
        Map<String, String> unknown = new LinkedHashMap<>();
        owned.forEach((kind, id) -> unknown.put(kind, sameShape(id)));
        List<Case> cases = new ArrayList<>();
        for (var path : document.paths().entrySet()) {
            if (path.getKey().startsWith(excludedPrefix)) {
                continue;
            }
            for (var method : ((Map<String, Object>) path.getValue()).entrySet()) {
                if (!List.of("get", "post", "put", "delete").contains(method.getKey())) {
                    continue;
                }
                Map<String, Object> operation = (Map<String, Object>) method.getValue();
                Request withOwned = request(path.getKey(), operation, owned);
                if (withOwned == null) {
                    continue;
                }
                cases.add(new Case(method.getKey().toUpperCase(), path.getKey(), withOwned,
                        request(path.getKey(), operation, unknown)));
            }
        }
        return cases;
    }

    /** The request with the given IDs, or null when the operation takes none of their kinds. */
    @SuppressWarnings("unchecked")
    private Request request(String template, Map<String, Object> operation, Map<String, String> ids) {
        boolean usesId = false;
        String path = template;
        Map<String, String> query = new LinkedHashMap<>();
        for (Map<String, Object> parameter : (List<Map<String, Object>>) operation.getOrDefault("parameters", List.of())) {
            String name = (String) parameter.get("name");
            String kind = kindOf(name);
            String id = kind == null ? null : ids.get(kind);
            if ("path".equals(parameter.get("in"))) {
                String value = id != null ? id : name.equals("blockIndex") ? "0" : name.equals("attribute") ? "description"
                        : "x";
                path = path.replace("{" + name + "}", value);
                usesId |= id != null;
            } else if ("query".equals(parameter.get("in")) && id != null) {
                query.put(name, id);
                usesId = true;
            }
        }
        Map<String, Object> body = null;
        Map<String, Object> schema = document.bodySchema(operation);
        if (schema != null) {
            body = new LinkedHashMap<>();
            Object properties = schema.get("properties");
            if (properties instanceof Map<?, ?> fields) {
                for (var field : ((Map<String, Object>) fields).entrySet()) {
                    String kind = kindOf(field.getKey());
                    String id = kind == null ? null : ids.get(kind);
                    if (id != null) {
                        boolean array = field.getValue() instanceof Map<?, ?> type && "array".equals(type.get("type"));
                        body.put(field.getKey(), array ? List.of(id) : id);
                        usesId = true;
                    } else if (kind == null) {
                        // The other fields filled as a client would, so that the request is refused for whose the
                        // resource is, not for a field left out.
                        body.put(field.getKey(), plausible(document.resolve(field.getValue()), 0));
                    }
                }
            }
        }
        return usesId ? new Request(path, query, body) : null;
    }


    @SuppressWarnings("unchecked")
    private Object plausible(Map<String, Object> schema, int depth) {
        String type = String.valueOf(schema.get("type"));
        if (schema.get("enum") instanceof List<?> values && !values.isEmpty()) {
            return values.get(0);
        }
        switch (type) {
            case "integer":
            case "number":
                return 1;
            case "boolean":
                return false;
            case "array":
                return depth > 1 ? List.of() : List.of(plausible(document.resolve(schema.get("items")), depth + 1));
            case "object": {
                Map<String, Object> object = new LinkedHashMap<>();
                if (depth <= 1 && schema.get("properties") instanceof Map<?, ?> fields) {
                    for (var field : ((Map<String, Object>) fields).entrySet()) {
                        object.put(field.getKey(), plausible(document.resolve(field.getValue()), depth + 1));
                    }
                }
                return object;
            }
            default:
                return schema.get("properties") != null ? plausible(Map.of("type", "object", "properties",
                        schema.get("properties")), depth) : "matrix";
        }
    }


    /** An ID of the same prefix and length, of hex digits, that was never made. */
    static String sameShape(String id) {
        int dash = id.indexOf('-');
        String prefix = dash < 0 ? "" : id.substring(0, dash + 1);
        StringBuilder fresh = new StringBuilder(prefix);
        for (int i = prefix.length(); i < id.length(); i++) {
            fresh.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
        }
        return fresh.toString();
    }
}
