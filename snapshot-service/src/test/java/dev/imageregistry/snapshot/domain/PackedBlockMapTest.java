package dev.imageregistry.snapshot.domain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.imageregistry.snapshot.domain.BlockMap.Entry;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;

/**
 * The packed map a snapshot of a volume computes its full map's count and LINEAR checksum from: given a base's map,
 * when the volume's writes are laid over it, then the count and the checksum are those of the merged map in index
 * order (computed here the way SnapshotBlocksRecorded's parts compute it, from the block list).
 */
class PackedBlockMapTest {
    private static final BlockMap BASE = BlockMap.of(entry(1, 11), entry(4, 14), entry(9, 19));

    @Test
    void writesReplaceTheBaseEntriesAtTheirIndexesAndTheOthersTakeTheirPlaceInIndexOrder() {
        // Given the base's blocks 1, 4 and 9, when the volume rewrote 4 and wrote 0, 5 and 12 (listed out of order)
        PackedBlockMap whole = PackedBlockMap.of(BASE).overlaid(List.of(mapped(12, 32), mapped(4, 24), mapped(0, 20),
                mapped(5, 25)));

        // Then the map is 0, 1, 4 (the write), 5, 9, 12
        List<MappedBlock> expected = List.of(mapped(0, 20), mapped(1, 11), mapped(4, 24), mapped(5, 25), mapped(9, 19),
                mapped(12, 32));
        assertSummary(6, BlockMapParts.mapChecksum(expected), whole.summary());
        assertArrayEquals(PackedBlockMap.of(expected).bytes(), whole.bytes());
    }

    @Test
    void theLastWriteOfAnIndexCountsAndNoWritesLeaveTheBaseAsItWas() {
        PackedBlockMap base = PackedBlockMap.of(BASE);

        assertSummary(3, base.summary().checksum(), base.overlaid(List.of()).summary());
        assertSummary(3, BlockMapParts.mapChecksum(List.of(mapped(1, 11), mapped(4, 42), mapped(9, 19))),
                base.overlaid(List.of(mapped(4, 41), mapped(4, 42))).summary());
    }

    @Test
    void aMapPackedFromItsEntriesOrFromEventsIsTheSameAndSurvivesStorage() {
        PackedBlockMap fromCompletion = PackedBlockMap.of(BASE);
        PackedBlockMap fromEvents = PackedBlockMap.of(List.of(mapped(9, 19), mapped(1, 11), mapped(4, 14)));

        assertArrayEquals(fromCompletion.bytes(), fromEvents.bytes());
        assertSummary(3, BASE.changedChecksum(), PackedBlockMap.of(fromCompletion.bytes()).summary()); // all changed
        assertSummary(0, BlockMapParts.mapChecksum(List.of()), PackedBlockMap.of(new byte[0]).summary());
    }

    @Test
    void bytesThatAreNotWholeEntriesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PackedBlockMap.of(new byte[37]));
    }

    private static void assertSummary(long blockCount, BlockChecksum checksum, BlockMap.Summary actual) {
        assertEquals(blockCount, actual.blockCount());
        assertEquals(checksum.hex(), actual.checksum().hex());
    }

    private static Entry entry(int index, long seed) {
        return new Entry(index, checksum(seed), true);
    }

    private static MappedBlock mapped(int index, long seed) {
        return new MappedBlock(index, checksum(seed).base64());
    }

    /** A distinct checksum per seed (the packed map never sees block data). */
    private static BlockChecksum checksum(long seed) {
        return BlockChecksum.of(Long.toString(seed).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
