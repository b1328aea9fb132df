package dev.imageregistry.platform.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;

class EventIdsTest {

    @Test
    void idsAreVersion7UuidsCarryingTheirMillisecond() {
        long millis = 1_795_000_000_123L;
        UUID id = EventIds.at(millis, ThreadLocalRandom.current());
        assertEquals(7, id.version());
        assertEquals(2, id.variant()); // RFC 9562 (IETF) variant
        assertEquals(millis, id.getMostSignificantBits() >>> 16);
        // A consumer parses the text form back (EventEnvelope.eventId()).
        assertEquals(id, UUID.fromString(id.toString()));
    }

    @Test
    void laterMillisecondsSortAfterEarlierOnes() {
        UUID earlier = EventIds.at(1_795_000_000_123L, ThreadLocalRandom.current());
        UUID later = EventIds.at(1_795_000_000_124L, ThreadLocalRandom.current());
        // PostgreSQL orders uuid by its bytes, most significant first: the time prefix leads.
        assertTrue(Long.compareUnsigned(earlier.getMostSignificantBits(), later.getMostSignificantBits()) < 0);
    }

    @Test
    void idsTakenInTheSameMillisecondDoNotCollide() {
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            assertTrue(seen.add(EventIds.at(1_795_000_000_123L, ThreadLocalRandom.current())));
        }
    }
}
