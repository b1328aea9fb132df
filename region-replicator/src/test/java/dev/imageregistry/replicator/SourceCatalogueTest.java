package dev.imageregistry.replicator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.replicator.domain.SourceSnapshot;
import dev.imageregistry.replicator.persistence.SourceCatalogue;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The {@code source-<region>} catalogue's block maps, fed the source snapshot-service's events directly (the
 * same Quarkus start as the copy tests; each test projects into a Region of its own, which no feed writes): when a
 * layered snapshot's map resolves, what it resolves to, and that a rebuild in another order gives the same maps.
 */
@QuarkusTest
@WithTestResource(TwoRegionTestResource.class)
class SourceCatalogueTest extends CopyTestRegions {
    static final String OWNER = "555566667777";

    @Inject
    SourceCatalogue catalogue;

    @Test
    void aLayerResolvesOnceEveryPartDownItsChainIsThereAndOutlivesItsBase() {
        String region = region();
        SortedMap<Integer, String> base = map(0, 6);
        SortedMap<Integer, String> firstLayer = new TreeMap<>(Map.of(1, checksum(), 4, checksum(), 9, checksum()));
        SortedMap<Integer, String> secondLayer = new TreeMap<>(Map.of(4, checksum(), 5, checksum()));
        String baseId = SourceRegionFixture.id("snap-");
        String firstId = SourceRegionFixture.id("snap-");
        String secondId = SourceRegionFixture.id("snap-");
        List<String> baseParts = source.mapParts(baseId, OWNER, null, base, List.copyOf(base.values()), 4);
        List<String> firstParts = source.mapParts(firstId, OWNER, baseId, firstLayer,
                values(laidOver(base, firstLayer)), 4096);
        SortedMap<Integer, String> full = laidOver(laidOver(base, firstLayer), secondLayer);
        List<String> secondParts = source.mapParts(secondId, OWNER, firstId, secondLayer, values(full), 1);
        assertEquals(2, baseParts.size());
        assertEquals(2, secondParts.size());

        apply(region, secondParts.get(0));
        assertTrue(catalogue.snapshot(region, secondId).isEmpty(), "a part of its own is missing");
        apply(region, secondParts.get(1));
        apply(region, baseParts.get(0));
        assertTrue(catalogue.snapshot(region, secondId).isEmpty(), "its base is not recorded");
        apply(region, firstParts.get(0));
        assertTrue(catalogue.snapshot(region, secondId).isEmpty(), "a part of its base's base is missing");
        assertTrue(catalogue.snapshot(region, firstId).isEmpty(), "a part of its base is missing");
        apply(region, baseParts.get(1));

        SourceSnapshot resolved = catalogue.snapshot(region, secondId).orElseThrow();
        assertEquals(full, indexed(resolved), "the base's map with both layers laid over it, index by index");
        assertEquals(SourceRegionFixture.mapChecksum(values(full)), resolved.mapChecksum());
        assertEquals(resolved.mapChecksum(), resolved.computedMapChecksum());
        assertEquals(OWNER, resolved.ownerId());
        assertEquals(laidOver(base, firstLayer), indexed(catalogue.snapshot(region, firstId).orElseThrow()));

        apply(region, deleted(baseId));
        assertTrue(catalogue.snapshot(region, baseId).isEmpty(), "a deleted snapshot is not found");
        assertEquals(full, indexed(catalogue.snapshot(region, secondId).orElseThrow()),
                "its layers still resolve through it");
        apply(region, deleted(secondId));
        assertTrue(catalogue.snapshot(region, secondId).isEmpty());
        assertEquals(laidOver(base, firstLayer), indexed(catalogue.snapshot(region, firstId).orElseThrow()));
    }

    @Test
    void aChainThatLoopsResolvesToNothing() {
        String region = region();
        String one = SourceRegionFixture.id("snap-");
        String other = SourceRegionFixture.id("snap-");
        String itself = SourceRegionFixture.id("snap-");
        SortedMap<Integer, String> written = map(0, 2);
        source.mapParts(one, OWNER, other, written, values(written), 4096).forEach(event -> apply(region, event));
        source.mapParts(other, OWNER, one, written, values(written), 4096).forEach(event -> apply(region, event));
        source.mapParts(itself, OWNER, itself, written, values(written), 4096).forEach(event -> apply(region, event));

        assertTrue(catalogue.snapshot(region, one).isEmpty());
        assertTrue(catalogue.snapshot(region, other).isEmpty());
        assertTrue(catalogue.snapshot(region, itself).isEmpty());
    }

    @Test
    void aRebuildInAnotherOrderGivesTheSameMaps() {
        String region = region();
        // A 64 GiB disk (131,072 blocks, 32 parts), a layer of 4096 blocks over it, and one of 3 over that.
        SortedMap<Integer, String> base = map(0, 131_072);
        SortedMap<Integer, String> firstLayer = map(100_000, 4096);
        SortedMap<Integer, String> secondLayer = new TreeMap<>(Map.of(0, checksum(), 100_001, checksum(),
                140_000, checksum()));
        String baseId = SourceRegionFixture.id("snap-");
        String firstId = SourceRegionFixture.id("snap-");
        String secondId = SourceRegionFixture.id("snap-");
        List<String> stream = new ArrayList<>(source.mapParts(baseId, OWNER, null, base, values(base), 4096));
        stream.addAll(source.mapParts(firstId, OWNER, baseId, firstLayer, values(laidOver(base, firstLayer)), 4096));
        SortedMap<Integer, String> full = laidOver(laidOver(base, firstLayer), secondLayer);
        stream.addAll(source.mapParts(secondId, OWNER, firstId, secondLayer, values(full), 4096));
        stream.add(deleted(baseId));
        stream.forEach(event -> apply(region, event));
        List<Optional<SourceSnapshot>> before = List.of(catalogue.snapshot(region, baseId),
                catalogue.snapshot(region, firstId), catalogue.snapshot(region, secondId));
        assertEquals(full, indexed(before.get(2).orElseThrow()));

        // Another replica's replay may see the snapshots' partitions in any order; each snapshot's own stays.
        catalogue.clear(region);
        assertTrue(catalogue.snapshot(region, secondId).isEmpty(), "cleared");
        List<String> layersFirst = new ArrayList<>(stream.subList(32, stream.size() - 1));
        layersFirst.addAll(stream.subList(0, 32));
        layersFirst.add(stream.get(stream.size() - 1));
        layersFirst.forEach(event -> apply(region, event));

        long started = System.nanoTime();
        List<Optional<SourceSnapshot>> after = List.of(catalogue.snapshot(region, baseId),
                catalogue.snapshot(region, firstId), catalogue.snapshot(region, secondId));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(before, after, "the same answers after the rebuild");
        assertTrue(after.get(0).isEmpty(), "the deleted base");
        assertEquals(131_072 + 1, after.get(2).orElseThrow().blocks().size(), "the base's blocks and one past them");
        assertEquals(after.get(2).get().mapChecksum(), after.get(2).get().computedMapChecksum());
        System.out.printf("SourceCatalogueTest: resolved a 64 GiB map under 2 layers (and its 2 others) in %d ms%n",
                millis);
    }

    // --- helpers

    private void apply(String region, String event) {
        QuarkusTransaction.requiringNew().run(() -> catalogue.apply(region, EventJson.read(event)));
    }

    private static String deleted(String snapshotId) {
        return SourceRegionFixture.envelope(snapshotId, "snapshot-service", "SnapshotDeleted", 9,
                "{\"snapshotId\":\"" + snapshotId + "\",\"ownerId\":\"" + OWNER + "\"}");
    }

    /** A Region of its own for each test: nothing else projects into it. */
    private static String region() {
        return "catalogue-test-" + UUID.randomUUID();
    }

    /** {@code count} blocks from index {@code first} on, each of its own content. */
    private static SortedMap<Integer, String> map(int first, int count) {
        SortedMap<Integer, String> map = new TreeMap<>();
        for (int i = first; i < first + count; i++) {
            map.put(i, checksum());
        }
        return map;
    }

    private static String checksum() {
        try {
            byte[] content = ByteBuffer.allocate(16).putLong(UUID.randomUUID().getMostSignificantBits())
                    .putLong(UUID.randomUUID().getLeastSignificantBits()).array();
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SortedMap<Integer, String> laidOver(SortedMap<Integer, String> base,
            SortedMap<Integer, String> layer) {
        SortedMap<Integer, String> full = new TreeMap<>(base);
        full.putAll(layer);
        return full;
    }

    private static List<String> values(SortedMap<Integer, String> map) {
        return List.copyOf(map.values());
    }

    private static SortedMap<Integer, String> indexed(SourceSnapshot snapshot) {
        SortedMap<Integer, String> map = new TreeMap<>();
        for (SourceSnapshot.Block block : snapshot.blocks()) {
            assertTrue(map.isEmpty() || block.index() > map.lastKey(), "in index order");
            map.put(block.index(), block.checksum());
        }
        return map;
    }
}
