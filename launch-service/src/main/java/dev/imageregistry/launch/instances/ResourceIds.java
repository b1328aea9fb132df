package dev.imageregistry.launch.instances;

import java.security.SecureRandom;
import java.util.HexFormat;

/** EC2-shaped resource IDs: a prefix and 17 hex digits (i-, r-, vol-). */
final class ResourceIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ResourceIds() {
    }

    static String next(String prefix) {
        byte[] bytes = new byte[9];
        RANDOM.nextBytes(bytes);
        return prefix + "-" + HexFormat.of().formatHex(bytes).substring(0, 17);
    }
}
