package dev.imageregistry.gateway.wire;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of a Query-protocol request: the URL's query string and, for a form POST, the body, decoded as
 * {@code application/x-www-form-urlencoded}. A parameter given twice is refused: the flattened names
 * ({@code ImageId.1}, {@code ImageId.2}) are how a list is sent, so a repeated name is a client's mistake, not a list.
 */
public final class QueryParameters {
    private QueryParameters() {
    }

    public static Map<String, String> decode(String rawQuery, byte[] formBody) {
        Map<String, String> parameters = new LinkedHashMap<>();
        add(parameters, rawQuery);
        if (formBody != null && formBody.length > 0) {
            add(parameters, utf8(formBody));
        }
        return parameters;
    }

    private static void add(Map<String, String> parameters, String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decodeComponent(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decodeComponent(pair.substring(equals + 1));
            if (parameters.put(name, value) != null) {
                throw new AwsError(400, "InvalidParameterValue", "The parameter " + name + " was given more than once.");
            }
        }
    }

    /** One component of a query string: {@code +} is a space, {@code %XX} a byte of UTF-8. */
    public static String decodeComponent(String component) {
        if (component.indexOf('%') < 0 && component.indexOf('+') < 0) {
            return component;
        }
        byte[] bytes = new byte[component.length()];
        int length = 0;
        for (int i = 0; i < component.length(); i++) {
            char c = component.charAt(i);
            if (c == '+') {
                bytes[length++] = ' ';
            } else if (c == '%') {
                if (i + 2 >= component.length()) {
                    throw malformed();
                }
                int high = Character.digit(component.charAt(i + 1), 16);
                int low = Character.digit(component.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw malformed();
                }
                bytes[length++] = (byte) (high << 4 | low);
                i += 2;
            } else if (c < 0x80) {
                bytes[length++] = (byte) c;
            } else {
                // A raw non-ASCII character (a lenient client): keep it as its UTF-8 bytes.
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (length + encoded.length > bytes.length) {
                    bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2 + encoded.length);
                }
                System.arraycopy(encoded, 0, bytes, length, encoded.length);
                length += encoded.length;
            }
        }
        return utf8(java.util.Arrays.copyOf(bytes, length));
    }

    private static String utf8(byte[] bytes) {
        if (isAscii(bytes)) {
            // What the SDKs send: percent-encoded ASCII, which needs no decoder (and no decoder made per request).
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AwsError(400, "MalformedQueryString", "The query string is not valid UTF-8.");
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static AwsError malformed() {
        return new AwsError(400, "MalformedQueryString", "The query string has a malformed percent-encoding.");
    }
}
