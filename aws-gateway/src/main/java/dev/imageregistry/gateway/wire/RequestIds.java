package dev.imageregistry.gateway.wire;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request IDs (UUID-shaped, as AWS's). Unique is all they must be: {@link UUID#randomUUID()} draws from one
 * process-wide {@code SecureRandom} behind a lock, which queued the registry's request threads for 20-30 ms under load
 * (the platform's EventIds say the same for event IDs).
 */
public final class RequestIds {
    private RequestIds() {
    }

    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = random.nextLong() & 0xFFFF_FFFF_FFFF_0FFFL | 0x4000L;
        long least = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(most, least).toString();
    }
}
