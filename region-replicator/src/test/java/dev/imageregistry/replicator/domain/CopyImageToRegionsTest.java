package dev.imageregistry.replicator.domain;

import static dev.imageregistry.infra.testing.Decisions.refusalOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyDispatched;

/** What a copy to several Regions may ask for, and what it becomes, decided without a server. */
class CopyImageToRegionsTest {
    static final String HERE = "us-east-1";
    static final String THERE = "eu-west-1";
    static final Predicate<String> PEERS = Set.of(HERE, THERE)::contains;
    static final String IMAGE = "ami-0123456789abcdef0";

    @Test
    void aRegionThisReplicatorDoesNotCopyBetweenOrThatIsNoRegionIsRefused() {
        for (List<String> destinations : List.of(List.of(HERE, "ap-south-1"), List.of(HERE, "not a region"),
                Arrays.asList(HERE, null))) {
            assertRefused("InvalidParameterValue", request(THERE, IMAGE, destinations, "a name", null));
        }
        assertRefused("InvalidParameterValue", request("ap-south-1", IMAGE, List.of(HERE), "a name", null));
        assertRefused("InvalidParameterValue", request("eu-west", IMAGE, List.of(HERE), "a name", null));
    }

    @Test
    void thisRegionIsAlwaysADestinationEvenWhenNotConfiguredAsAPeer() {
        request(THERE, IMAGE, List.of("us-west-2"), "a name", null).validate(PEERS, "us-west-2");
    }

    @Test
    void oneToTenDistinctDestinationsMayBeNamed() {
        assertRefused("InvalidParameterValue", request(THERE, IMAGE, List.of(), "a name", null));
        assertRefused("InvalidParameterValue", request(THERE, IMAGE, List.of(HERE, THERE, HERE), "a name", null));
        List<String> eleven = new ArrayList<>();
        for (int i = 0; i <= CopyImageToRegions.MAX_DESTINATIONS; i++) {
            eleven.add("eu-test-" + i);
        }
        assertRefused("InvalidParameterValue", request(THERE, IMAGE, eleven, "a name", null));
        request(THERE, IMAGE, List.of(HERE, THERE), "a name", null).validate(PEERS, HERE);
    }

    @Test
    void theSourceRegionImageDestinationsAndNameAreRequired() {
        assertRefused("MissingParameter", request(null, IMAGE, List.of(HERE), "a name", null));
        assertRefused("MissingParameter", request(THERE, "", List.of(HERE), "a name", null));
        assertRefused("MissingParameter", request(THERE, IMAGE, null, "a name", null));
        assertRefused("MissingParameter", request(THERE, IMAGE, List.of(HERE), null, null));
    }

    @Test
    void aMalformedImageIdOrNameOrTooLongADescriptionIsRefused() {
        assertRefused("InvalidAMIID.Malformed", request(THERE, "ami-123", List.of(HERE), "a name", null));
        assertRefused("InvalidAMIName.Malformed", request(THERE, IMAGE, List.of(HERE), "no", null));
        assertRefused("InvalidAMIName.Malformed", request(THERE, IMAGE, List.of(HERE), "semi;colon", null));
        assertRefused("InvalidParameterValue", request(THERE, IMAGE, List.of(HERE), "a name", "d".repeat(256)));
    }

    @Test
    void eachDestinationIsDispatchedUnderItsOwnNewImage() {
        Instant now = Instant.parse("2026-03-01T10:00:00Z");
        List<ImageCopyDispatched> dispatches = request(THERE, IMAGE, List.of(HERE, THERE), "a name", "why")
                .dispatches("111111111111", ResourceKind.IMAGE::next, now);
        assertEquals(List.of(HERE, THERE), dispatches.stream().map(ImageCopyDispatched::destinationRegion).toList());
        assertNotEquals(dispatches.get(0).imageId(), dispatches.get(1).imageId());
        for (ImageCopyDispatched dispatched : dispatches) {
            assertEquals("111111111111", dispatched.ownerId());
            assertEquals(IMAGE, dispatched.sourceImageId());
            assertEquals(now, dispatched.requestedAt());
            assertFalse(dispatched.copyImageTags(), "tags travel only when asked for");
        }
    }

    private static CopyImageToRegions request(String sourceRegion, String image, List<String> destinations,
            String name, String description) {
        return new CopyImageToRegions(sourceRegion, image, destinations, name, description, null, null);
    }

    private static void assertRefused(String code, CopyImageToRegions request) {
        assertEquals(code, refusalOf(() -> request.validate(PEERS, HERE)).code(), () -> "for " + request);
    }
}
