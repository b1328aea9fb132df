package dev.imageregistry.snapshot.domain;

import static dev.imageregistry.snapshot.domain.BlockMapLifetime.DISCARDED;
import static dev.imageregistry.snapshot.domain.BlockMapLifetime.HELD;
import static dev.imageregistry.snapshot.domain.BlockMapLifetime.LIVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

/**
 * The rule of a deleted snapshot's block map, without a server: given the map's lifetime, when the snapshot is
 * deleted or a volume lets go of it (with the volumes holding it afterwards), then its lifetime.
 */
class BlockMapLifetimeTest {
    private static final List<String> NO_VOLUME = List.of();
    private static final List<String> ONE_VOLUME = List.of("vol-0123456789abcdef0");

    @Test
    void aSnapshotDeletedWhileAVolumeHoldsItKeepsItsMapAndOneHeldByNoneLosesItAtOnce() {
        given(LIVE).when(map -> map.afterDeletion(ONE_VOLUME)).then(HELD);
        given(LIVE).when(map -> map.afterDeletion(NO_VOLUME)).then(DISCARDED);
    }

    @Test
    void theMapOfADeletedSnapshotGoesWithItsLastHoldOnly() {
        given(HELD).when(map -> map.afterRelease(ONE_VOLUME)).then(HELD);
        given(HELD).when(map -> map.afterRelease(NO_VOLUME)).then(DISCARDED);
    }

    @Test
    void aLiveSnapshotKeepsItsMapWhoeverLetsGoAndARepeatChangesNothing() {
        given(LIVE).when(map -> map.afterRelease(NO_VOLUME)).then(LIVE);
        given(DISCARDED).when(map -> map.afterRelease(NO_VOLUME)).then(DISCARDED);
        // A redelivered deletion: already held, or already discarded, the map stays as it is.
        given(HELD).when(map -> map.afterDeletion(NO_VOLUME)).then(HELD);
        given(DISCARDED).when(map -> map.afterDeletion(ONE_VOLUME)).then(DISCARDED);
    }

    @Test
    void snapshotsOfVolumesAreMadeOverALiveOrAHeldMapOnly() {
        assertTrue(LIVE.servesVolumes());
        assertTrue(HELD.servesVolumes());
        assertFalse(DISCARDED.servesVolumes());
    }

    private static Given given(BlockMapLifetime lifetime) {
        return new Given(lifetime);
    }

    private record Given(BlockMapLifetime lifetime) {
        When when(UnaryOperator<BlockMapLifetime> change) {
            return new When(change.apply(lifetime));
        }
    }

    private record When(BlockMapLifetime after) {
        void then(BlockMapLifetime expected) {
            assertEquals(expected, after);
        }
    }
}
