package dev.imageregistry.ids;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ResourceKindTest {

    @Test
    void newIdsAreTheIssuedShapeAndDoNotRepeat() {
        Set<String> seen = new HashSet<>();
        for (ResourceKind kind : ResourceKind.values()) {
            for (int i = 0; i < 10_000; i++) {
                String id = kind.next();
                assertTrue(kind.isIssued(id), id);
                assertTrue(kind.isWellFormed(id), id);
                assertTrue(seen.add(id), "repeated " + id);
            }
        }
    }

    @Test
    void eightDigitIdsAreWellFormedButNeverIssued() {
        assertTrue(ResourceKind.IMAGE.isWellFormed("ami-0123abcd"));
        assertFalse(ResourceKind.IMAGE.isIssued("ami-0123abcd"));
    }

    @Test
    void otherShapesAreMalformedWithTheKindsCode() {
        for (String id : new String[] {"ami-", "ami-0123ABCD", "ami-0123abcd0", "snap-0123abcd", " ami-0123abcd", null}) {
            assertFalse(ResourceKind.IMAGE.isWellFormed(id), String.valueOf(id));
        }
        assertEquals("InvalidAMIID.Malformed", ResourceKind.IMAGE.malformedCode());
        assertEquals("InvalidSnapshotID.Malformed", ResourceKind.SNAPSHOT.malformedCode());
        assertEquals("InvalidInstanceID.Malformed", ResourceKind.INSTANCE.malformedCode());
        assertEquals("InvalidVolumeID.Malformed", ResourceKind.VOLUME.malformedCode());
    }

    @Test
    void aMalformedIdIsEchoedShortAndPrintable() {
        String message = ResourceKind.IMAGE.malformedMessage("ami-\u0007" + "x".repeat(500));
        assertTrue(message.length() < 100, message);
        assertFalse(message.contains("\u0007"));
    }
}
