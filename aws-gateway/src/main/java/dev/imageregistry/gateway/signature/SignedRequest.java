package dev.imageregistry.gateway.signature;

import java.util.List;
import java.util.Map;

/**
 * A request as it arrived, with what a signature covers: the method, the path and query string exactly as sent
 * (still percent-encoded), the headers (names in lower case) and the body's bytes.
 */
public record SignedRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
        byte[] body) {

    public String header(String lowerCaseName) {
        List<String> values = headers.get(lowerCaseName);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
