package dev.imageregistry.infra.testing;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates malformed requests for every operation of a service's OpenAPI document, as an attacker or a broken
 * client would send them: the operation's own parameters and body fields with values of the wrong type, empty,
 * huge, with NUL, right-to-left or lone-surrogate text, IDs of every wrong shape; unknown and duplicated fields;
 * JSON that is truncated, too deep, or not JSON; the wrong media type. Each request is derived from a seed, so a
 * failure names the seed that reproduces it.
 */
public final class HostileRequests {
    /** One generated request; {@code query} is already percent-encoded, {@code body} may be null. */
    public record Request(String method, String path, String query, String contentType, byte[] body, String what) {
        public String uri() {
            return query.isEmpty() ? path : path + "?" + query;
        }
    }

    private record Operation(String method, String template, List<Map<String, Object>> parameters,
            Map<String, Object> bodySchema) {
    }

    private static final String[] TEXT = {
        "", " ", "a\u0000b", "\u202eevil\u202c", "\ud800", "\ud83d\ude00", "%00", "'; drop table image; --", "../../etc/passwd",
        "ami-", "ami-0", "ami-zzzzzzzzzzzzzzzzz", "ami-0123456789abcdef01", "AMI-0123456789ABCDEF0", "snap-0123456789abcdef0",
        "i-0123456789abcdef0", "ami-0123456789abcdef0\n", "null", "true", "-1", "1e309", "9223372036854775808", "0x10",
        "2026-13-45T25:61:00Z", "\t\r\n", "*", "?", "\\", "\"", "<x/>", "{}", "[]"};

    private final OpenApiDocument document;
    private final List<Operation> operations = new ArrayList<>();

    @SuppressWarnings("unchecked")
    public HostileRequests(Map<String, Object> openApi, String excludedPathPrefix) {
        this.document = new OpenApiDocument(openApi);
        for (var path : document.paths().entrySet()) {
            if (path.getKey().startsWith(excludedPathPrefix)) {
                continue;
            }
            for (var method : ((Map<String, Object>) path.getValue()).entrySet()) {
                if (!List.of("get", "post", "put", "delete").contains(method.getKey())) {
                    continue;
                }
                Map<String, Object> operation = (Map<String, Object>) method.getValue();
                List<Map<String, Object>> parameters = (List<Map<String, Object>>) operation.getOrDefault("parameters", List.of());
                operations.add(new Operation(method.getKey().toUpperCase(), path.getKey(), parameters,
                        document.bodySchema(operation)));
            }
        }
    }

    public int operations() {
        return operations.size();
    }

    /** The {@code n}th request (of any number) for every operation, from {@code seed}. */
    public List<Request> generate(long seed, int perOperation) {
        List<Request> requests = new ArrayList<>();
        for (int o = 0; o < operations.size(); o++) {
            for (int n = 0; n < perOperation; n++) {
                long requestSeed = seed * 1_000_003L + o * 10_007L + n;
                requests.add(request(operations.get(o), new Random(requestSeed), requestSeed));
            }
        }
        return requests;
    }

    private Request request(Operation operation, Random random, long seed) {
        StringBuilder what = new StringBuilder("seed ").append(seed).append(": ");
        String path = operation.template();
        for (Map<String, Object> parameter : operation.parameters()) {
            if ("path".equals(parameter.get("in"))) {
                String value = random.nextInt(3) == 0 ? "ami-0123456789abcdef0" : text(random, 300);
                path = path.replace("{" + parameter.get("name") + "}", encode(value).replace("+", "%20"));
            }
        }
        path = path.replaceAll("\\{[^}]+}", "x");
        StringBuilder query = new StringBuilder();
        for (Map<String, Object> parameter : operation.parameters()) {
            if ("query".equals(parameter.get("in")) && random.nextBoolean()) {
                appendQuery(query, (String) parameter.get("name"), value(random, schemaOf(parameter), 2_000));
            }
        }
        if (random.nextInt(4) == 0) {
            appendQuery(query, random.nextBoolean() ? "Unknown" : "MaxResults", text(random, 200));
        }
        if (random.nextInt(8) == 0) {
            query.append(query.length() == 0 ? "" : "&").append(random.nextBoolean() ? "%FF%FE=%C3%28" : "Name=%ED%A0%80");
        }
        String contentType = null;
        byte[] body = null;
        if (!operation.method().equals("GET") && (operation.bodySchema() != null || random.nextInt(4) == 0)) {
            contentType = random.nextInt(10) == 0 ? pick(random, "text/plain", "application/xml", "application/json; charset=latin1")
                    : "application/json";
            body = body(random, operation.bodySchema()).getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(12) == 0) {
                body = new byte[] {'{', '"', 'N', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            }
        }
        what.append(operation.method()).append(' ').append(operation.template());
        return new Request(operation.method(), path, query.toString(), contentType, body, what.toString());
    }

    private String body(Random random, Map<String, Object> schema) {
        switch (random.nextInt(14)) {
            case 0:
                return "";
            case 1:
                return "{\"Name\":\"unterminated";
            case 2:
                return "[".repeat(2_000) + "]".repeat(2_000);
            case 3:
                return "null";
            case 4:
                return "\"just a string\"";
            case 5:
                return "{\"Name\":\"a\",\"Name\":\"b\",\"Name\":{}}";
            default:
                break;
        }
        StringBuilder json = new StringBuilder("{");
        Map<String, Object> properties = properties(schema);
        for (var property : properties.entrySet()) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            if (json.length() > 1) {
                json.append(',');
            }
            json.append(quote(property.getKey())).append(':').append(jsonValue(random, document.resolve(property.getValue()), 0));
        }
        if (random.nextInt(3) == 0) {
            json.append(json.length() > 1 ? "," : "").append(quote(text(random, 50))).append(':').append(jsonValue(random, Map.of(), 0));
        }
        return json.append('}').toString();
    }

    /** A JSON value for a schema: often of its type but hostile in content, often of another type altogether. */
    private String jsonValue(Random random, Map<String, Object> schema, int depth) {
        int choice = random.nextInt(10);
        if (choice == 0) {
            return "null";
        }
        if (choice == 1) {
            return pick(random, "true", "-1", "1.5e308", "99999999999999999999999", "[]", "{}", "\"\"", "[null]");
        }
        String type = String.valueOf(schema.get("type"));
        switch (type) {
            case "array": {
                if (depth > 3) {
                    return "[]";
                }
                // One long array per body at most, at the top, so a body stays within a few megabytes.
                int n = depth == 0 && random.nextInt(4) == 0 ? 300 : random.nextInt(4);
                StringBuilder array = new StringBuilder("[");
                for (int i = 0; i < n; i++) {
                    array.append(i == 0 ? "" : ",").append(jsonValue(random, document.resolve(schema.get("items")), depth + 1));
                }
                return array.append(']').toString();
            }
            case "object": {
                if (depth > 3) {
                    return "{}";
                }
                StringBuilder object = new StringBuilder("{");
                for (var property : properties(schema).entrySet()) {
                    if (random.nextBoolean()) {
                        object.append(object.length() > 1 ? "," : "").append(quote(property.getKey())).append(':')
                                .append(jsonValue(random, document.resolve(property.getValue()), depth + 1));
                    }
                }
                return object.append('}').toString();
            }
            case "integer":
            case "number":
                return pick(random, "0", "-2147483649", "2147483648", "1e3", "NaN", "\"12\"", "3.7", "-0");
            case "boolean":
                return pick(random, "\"yes\"", "1", "\"true\"", "false");
            default:
                // Huge text only where it is not multiplied by an enclosing array.
                return quote(value(random, schema, depth == 0 ? 100_000 : 300));
        }
    }

    private String value(Random random, Map<String, Object> schema, int maxLength) {
        String type = schema == null ? "string" : String.valueOf(schema.get("type"));
        if (("integer".equals(type) || "number".equals(type)) && random.nextBoolean()) {
            return pick(random, "-1", "0", "2147483648", "9223372036854775808", "1.5", "abc", "");
        }
        if ("boolean".equals(type) && random.nextBoolean()) {
            return pick(random, "maybe", "TRUE", "1", "");
        }
        return text(random, maxLength);
    }

    private static String text(Random random, int maxLength) {
        if (random.nextInt(8) == 0) {
            return "x".repeat(Math.max(1, maxLength));
        }
        String base = TEXT[random.nextInt(TEXT.length)];
        return random.nextInt(4) == 0 ? base + TEXT[random.nextInt(TEXT.length)] : base;
    }


    @SuppressWarnings("unchecked")
    private Map<String, Object> properties(Map<String, Object> schema) {
        if (schema == null || !(schema.get("properties") instanceof Map<?, ?> properties)) {
            return Map.of();
        }
        return (Map<String, Object>) properties;
    }


    private Map<String, Object> schemaOf(Map<String, Object> parameter) {
        return document.resolve(parameter.get("schema"));
    }

    private static void appendQuery(StringBuilder query, String name, String value) {
        query.append(query.length() == 0 ? "" : "&").append(encode(name)).append('=').append(encode(value));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String pick(Random random, String... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c)) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
