package dev.imageregistry.gateway.signature;

import java.util.List;
import java.util.Map;

/**
 * A request as it arrived, with what a signature covers: the method, the path and query string exactly as sent
 * (still percent-encoded), the headers (names in lower case) and the body's bytes — or null for a body that is passed
 * on as it arrives, never read whole here (EBS direct's PutSnapshotBlock).
 */
public record SignedRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
        byte[] body) {

    /** The headers as they arrived, names in lower case (the form a signature's canonical request uses). */
    public static Map<String, List<String>> headers(Iterable<Map.Entry<String, String>> sent) {
        Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
        sent.forEach(e -> headers.computeIfAbsent(e.getKey().toLowerCase(), k -> new java.util.ArrayList<>(1))
                .add(e.getValue()));
        return headers;
    }

    public String header(String lowerCaseName) {
        List<String> values = headers.get(lowerCaseName);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
