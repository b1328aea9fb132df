package dev.imageregistry.snapshot.domain;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotBlocksRecorded;

/**
 * The cut of a large map into SnapshotBlocksRecorded parts (a map of more than 4,096 blocks would take minutes to
 * upload through the API on a shared test machine; BlockMapEventsTest covers the published single-part case).
 * No server: the cut is plain arithmetic, and the parts are checked against the published schema.
 */
class BlockMapPartsTest {
    private static final String SNAPSHOT = "snap-0123456789abcdef0";

    @Test
    void aLargeMapIsCutIntoPartsOfAtMost4096ThatConformAndReassembleExactly() throws Exception {
        List<MappedBlock> map = new ArrayList<>();
        MessageDigest aggregate = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 8193; i++) {
            byte[] checksum = MessageDigest.getInstance("SHA-256").digest(ByteBuffer.allocate(4).putInt(i).array());
            aggregate.update(checksum);
            map.add(new MappedBlock(i * 3, Base64.getEncoder().encodeToString(checksum)));
        }
        String expectedChecksum = Base64.getEncoder().encodeToString(aggregate.digest());

        List<SnapshotBlocksRecorded> parts = BlockMapParts.of(SNAPSHOT, "111122223333", 13, map);

        assertEquals(List.of(4096, 4096, 1), parts.stream().map(p -> p.blocks().size()).toList());
        List<MappedBlock> reassembled = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            SnapshotBlocksRecorded part = parts.get(i);
            assertEquals(i + 1, part.part());
            assertEquals(3, part.parts());
            assertEquals(expectedChecksum, part.mapChecksum());
            EventContract.assertConforms(EventJson.write(EventEnvelope.of(part, "/regions/us-east-1/snapshot-service",
                    "us-east-1", i + 2, Instant.now())));
            reassembled.addAll(part.blocks());
        }
        assertEquals(map, reassembled);
    }

    @Test
    void anEmptyMapIsOneEmptyPart() {
        List<SnapshotBlocksRecorded> parts = BlockMapParts.of(SNAPSHOT, "111122223333", 1, List.of());
        assertEquals(1, parts.size());
        assertEquals(List.of(), parts.get(0).blocks());
        assertEquals(1, parts.get(0).parts());
        // SHA-256 of nothing: the aggregate checksum EBS gives a snapshot without blocks.
        assertEquals("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", parts.get(0).mapChecksum());
        EventContract.assertConforms(EventJson.write(EventEnvelope.of(parts.get(0),
                "/regions/us-east-1/snapshot-service", "us-east-1", 2, Instant.now())));
    }
}
