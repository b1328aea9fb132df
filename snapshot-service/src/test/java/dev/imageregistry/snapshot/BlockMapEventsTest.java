package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** SnapshotBlocksRecorded: the full block map of a completed snapshot, as another Region's replicator reads it. */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class BlockMapEventsTest {

    @Test
    void completionPublishesTheFullBlockMapBeforeSnapshotCompleted() {
        byte[] a = block(9001);
        byte[] b = block(9002);
        byte[] c = block(9003);
        byte[] changed = block(9004);
        String parent = start(OWNER, 1, null);
        put(OWNER, parent, 0, a);
        put(OWNER, parent, 7, b);
        put(OWNER, parent, 2047, c);
        assertEquals("completed", complete(OWNER, parent, 3, aggregate(List.of(a, b, c))));
        // The child changes block 7 and adds block 9: its map mixes inherited (0, 2047) and its own (7, 9) blocks.
        String child = start(OWNER, 1, parent);
        put(OWNER, child, 7, changed);
        put(OWNER, child, 9, a);
        assertEquals("completed", complete(OWNER, child, 2, aggregate(List.of(changed, a))));

        try (TopicTap tap = new TopicTap(bootstrap(), "snapshot-events")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertEquals(List.of("SnapshotStarted", "SnapshotBlocksRecorded", "SnapshotCompleted"), types(tap, parent));
                assertEquals(List.of("SnapshotStarted", "SnapshotBlocksRecorded", "SnapshotCompleted"), types(tap, child));
            });
            tap.records().forEach(r -> EventContract.assertConforms(r.value()));

            Map<Integer, String> parentMap = reassemble(tap.recordsWithKey(parent));
            assertEquals(orderedMap(0, sha(a), 7, sha(b), 2047, sha(c)), parentMap);
            Map<Integer, String> childMap = reassemble(tap.recordsWithKey(child));
            assertEquals(orderedMap(0, sha(a), 7, sha(changed), 9, sha(a), 2047, sha(c)), childMap);

            JsonPath parentRecorded = data(tap.recordsWithKey(parent).get(1));
            JsonPath parentCompleted = data(tap.recordsWithKey(parent).get(2));
            assertEquals(parentCompleted.getString("aggregateChecksum"), parentRecorded.getString("mapChecksum"),
                    "without a parent, the map checksum is the aggregate checksum");
            assertEquals(OWNER, parentRecorded.getString("ownerId"));
            assertEquals(1, parentRecorded.getInt("volumeSize"));
            JsonPath childRecorded = data(tap.recordsWithKey(child).get(1));
            assertEquals(aggregate(List.of(a, changed, a, c)), childRecorded.getString("mapChecksum"),
                    "the map checksum covers inherited blocks too");
            assertEquals(4, data(tap.recordsWithKey(child).get(2)).getInt("blockCount"));
            // Same aggregate, consecutive versions: the map is never published without its completion.
            assertEquals(List.of(1, 2, 3), tap.recordsWithKey(child).stream()
                    .map(r -> JsonPath.from(r.value()).getInt("aggregateversion")).toList());
        }
    }

    private static List<String> types(TopicTap tap, String key) {
        return tap.recordsWithKey(key).stream().map(r -> JsonPath.from(r.value()).getString("type")).toList();
    }

    private static JsonPath data(ConsumerRecord<String, String> record) {
        return JsonPath.from(record.value()).setRootPath("data");
    }

    /** The map as a consumer rebuilds it: every part's blocks, in part order, indexes strictly increasing. */
    private static Map<Integer, String> reassemble(List<ConsumerRecord<String, String>> records) {
        Map<Integer, String> map = new LinkedHashMap<>();
        int expectedPart = 1;
        int previous = -1;
        for (ConsumerRecord<String, String> record : records) {
            JsonPath event = JsonPath.from(record.value());
            if (!"SnapshotBlocksRecorded".equals(event.getString("type"))) {
                continue;
            }
            assertEquals(expectedPart++, event.getInt("data.part"));
            List<Map<String, Object>> blocks = event.getList("data.blocks");
            for (Map<String, Object> block : blocks) {
                int index = (Integer) block.get("index");
                assertTrue(index > previous, "blocks in index order");
                previous = index;
                map.put(index, (String) block.get("checksum"));
            }
        }
        return map;
    }

    private static Map<Integer, String> orderedMap(Object... pairs) {
        Map<Integer, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((Integer) pairs[i], (String) pairs[i + 1]);
        }
        return map;
    }
}
