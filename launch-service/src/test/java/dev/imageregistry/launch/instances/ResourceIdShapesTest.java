package dev.imageregistry.launch.instances;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.imageregistry.launch.images.LaunchableImages;
import dev.imageregistry.platform.errors.Ec2Exception;

/** Which IDs are well formed (no server needed): EC2's 17 hex digits, and the 8 of resources of before 2016. */
class ResourceIdShapesTest {

    @Test
    void imageIdsOfEightOrSeventeenHexDigitsAreWellFormed() {
        LaunchableImages.requireWellFormed("ami-1a2b3c4d");
        LaunchableImages.requireWellFormed("ami-0123456789abcdef0");
        for (String malformed : List.of("ami-123", "ami-1a2b3c4", "ami-1a2b3c4d5", "ami-0123456789abcdef",
                "ami-1A2B3C4D", "snap-1a2b3c4d", "i-1a2b3c4d", "ami-1a2b3c4g")) {
            assertEquals("InvalidAMIID.Malformed", assertThrows(Ec2Exception.class,
                    () -> LaunchableImages.requireWellFormed(malformed)).code(), malformed);
        }
        assertEquals("MissingParameter", assertThrows(Ec2Exception.class,
                () -> LaunchableImages.requireWellFormed("")).code());
    }

    @Test
    void instanceIdsOfEightOrSeventeenHexDigitsAreWellFormed() {
        assertEquals(List.of("i-1a2b3c4d", "i-0123456789abcdef0"),
                InstanceLifecycle.wellFormed(List.of("i-1a2b3c4d", "i-0123456789abcdef0", "i-1a2b3c4d")));
        for (String malformed : List.of("i-123", "i-1a2b3c4", "i-1a2b3c4d5", "i-0123456789abcdef", "ami-1a2b3c4d")) {
            assertEquals("InvalidInstanceID.Malformed", assertThrows(Ec2Exception.class,
                    () -> InstanceLifecycle.wellFormed(List.of(malformed))).code(), malformed);
        }
        assertTrue(ResourceIds.next("i").matches("i-[0-9a-f]{17}"), "new instances get 17 digits");
    }
}
