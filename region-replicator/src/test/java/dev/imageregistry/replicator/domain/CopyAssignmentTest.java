package dev.imageregistry.replicator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.testing.Decisions;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyAssigned;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyDispatched;

/** A dispatch addressed to this Region becomes one assignment, however often it arrives. */
class CopyAssignmentTest {
    static final ImageCopyDispatched DISPATCHED = new ImageCopyDispatched("ami-0123456789abcdef0", "111111111111",
            "us-east-1", "eu-west-1", "ami-0fedcba9876543210", "golden", null, false,
            Instant.parse("2026-03-01T10:00:00Z"));

    @Test
    void aDispatchIsAssignedOnceAndItsRepeatAssignsNothing() {
        List<ImageCopyAssigned> first = CopyAssignment.assign(List.of(), DISPATCHED, "us-west-2");
        assertEquals(List.of(ImageCopyAssigned.of(DISPATCHED, "us-west-2")), first);
        assertEquals(List.of(), CopyAssignment.assign(Decisions.envelopes(first), DISPATCHED, "us-west-2"));
    }

    @Test
    void theRequestingRegionAssignsItsOwnCopyAfterItsDispatch() {
        List<ImageCopyAssigned> assigned = CopyAssignment.assign(Decisions.envelopes(List.of(DISPATCHED)), DISPATCHED,
                "us-east-1");
        assertEquals("us-east-1", assigned.get(0).dispatchedFrom());
    }

    @Test
    void aDispatchLackingWhatTheRegistryNeedsIsNotAssigned() {
        assertTrue(CopyAssignment.isComplete(DISPATCHED));
        assertFalse(CopyAssignment.isComplete(null));
        assertFalse(CopyAssignment.isComplete(with("ami-123", "111111111111")), "not an image ID we issue");
        assertFalse(CopyAssignment.isComplete(with(DISPATCHED.imageId(), "alice")), "not an account");
        assertFalse(CopyAssignment.isComplete(new ImageCopyDispatched(DISPATCHED.imageId(), DISPATCHED.ownerId(),
                "us-east-1", "eu-west-1", DISPATCHED.sourceImageId(), null, null, false, DISPATCHED.requestedAt())),
                "no name");
    }

    private static ImageCopyDispatched with(String imageId, String ownerId) {
        return new ImageCopyDispatched(imageId, ownerId, "us-east-1", "eu-west-1", DISPATCHED.sourceImageId(),
                "golden", null, false, DISPATCHED.requestedAt());
    }
}
