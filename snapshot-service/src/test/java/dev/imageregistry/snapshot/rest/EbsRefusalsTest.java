package dev.imageregistry.snapshot.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.imageregistry.snapshot.rest.EbsRefusals.Refusal;

/**
 * The table from EC2's codes to EBS's errors, for the refusals a test cannot easily provoke through the API (a lost
 * race, S3 away, a bug); EbsWireTest shows the others on the wire.
 */
class EbsRefusalsTest {

    @Test
    void aLostRaceIsAConflictAndServerTroubleIsEbsRetryableServerError() {
        assertEquals(new Refusal("ConflictException", 409, null),
                EbsRefusals.of(409, "ConcurrentModification", "The resource snap-1 was modified by another request"));
        assertEquals(new Refusal("InternalServerException", 500, null),
                EbsRefusals.of(503, "ServiceUnavailable", "The block store is not reachable; retry the request."));
        assertEquals(new Refusal("InternalServerException", 500, null),
                EbsRefusals.of(500, "InternalError", "An internal error has occurred."));
    }

    @Test
    void badInputIsNeverAServerError() {
        assertEquals(Refusal.validation("INVALID_PARAMETER_VALUE"),
                EbsRefusals.of(400, "IncompleteBody", "The block's body could not be read: reset"));
        assertEquals(Refusal.validation("INVALID_PARAMETER_VALUE"),
                EbsRefusals.of(413, "RequestEntityTooLarge", "The request body is too large."));
        assertEquals(Refusal.validation("INVALID_PARAMETER_VALUE"), EbsRefusals.of(400, "SomethingNew", "?"));
    }

    @Test
    void theRoutesAreTheSixOperationsAndOurAdditionsOnly() {
        assertTrue(EbsRefusals.isEbsRoute("POST", "/snapshots"));
        assertTrue(EbsRefusals.isEbsRoute("PUT", "/snapshots/snap-1/blocks/7"));
        assertTrue(EbsRefusals.isEbsRoute("GET", "/snapshots/snap-1/blocks/7"));
        assertTrue(EbsRefusals.isEbsRoute("GET", "/snapshots/snap-1/blocks"));
        assertTrue(EbsRefusals.isEbsRoute("GET", "/snapshots/snap-2/changedblocks"));
        assertTrue(EbsRefusals.isEbsRoute("POST", "/snapshots/completion/snap-1"));
        assertTrue(EbsRefusals.isEbsRoute("POST", "/snapshots/snap-1/block-uploads"));
        assertTrue(EbsRefusals.isEbsRoute("POST", "/snapshots/snap-1/block-references"));
        // EC2's calls on snapshots.
        assertFalse(EbsRefusals.isEbsRoute("GET", "/snapshots"));
        assertFalse(EbsRefusals.isEbsRoute("DELETE", "/snapshots/snap-1"));
        assertFalse(EbsRefusals.isEbsRoute("POST", "/snapshots/snap-1/tags"));
        assertFalse(EbsRefusals.isEbsRoute("DELETE", "/snapshots/snap-1/tags"));
    }
}
