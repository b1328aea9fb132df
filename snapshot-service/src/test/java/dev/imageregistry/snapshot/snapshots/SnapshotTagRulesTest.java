package dev.imageregistry.snapshot.snapshots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotTagged;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.SnapshotUntagged;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.Tag;

/** CreateTags and DeleteTags as a snapshot decides them: given its tags, when a request, then an event or a refusal. */
class SnapshotTagRulesTest {
    private static final String ID = "snap-0123456789abcdef0";
    private static final String OWNER = "111122223333";

    @Test
    void taggingSetsNewKeysAndOverwritesExistingOnes() {
        SnapshotRecord snapshot = given(tag("team", "os"), tag("env", "test"));
        SnapshotTagged tagged = snapshot.tag(List.of(tag("env", "prod"), tag("cost", "")));
        assertEquals(new SnapshotTagged(ID, OWNER, List.of(tag("env", "prod"), tag("cost", ""))), tagged);
        assertEquals(List.of(tag("team", "os"), tag("env", "prod"), tag("cost", "")), snapshot.tagsAfter(tagged));
        assertEquals(List.of(tag("k", "last")), snapshot.tag(List.of(tag("k", "first"), tag("k", "last"))).tags(),
                "a key named twice keeps its last value");
    }

    @Test
    void untaggingByKeyByKeyAndValueOrEverything() {
        SnapshotRecord snapshot = given(tag("team", "os"), tag("env", "prod"), tag("empty", ""));
        assertEquals(Optional.of(new SnapshotUntagged(ID, OWNER, List.of("team"))),
                snapshot.untag(List.of(tag("team", null), tag("absent", null))));
        assertEquals(Optional.empty(), snapshot.untag(List.of(tag("env", "test"))), "another value keeps the tag");
        assertEquals(List.of("env"), snapshot.untag(List.of(tag("env", "prod"))).orElseThrow().keys());
        assertEquals(Optional.empty(), snapshot.untag(List.of(tag("empty", "x"))));
        assertEquals(List.of("empty"), snapshot.untag(List.of(tag("empty", ""))).orElseThrow().keys(),
                "an empty value matches only an empty value");
        SnapshotUntagged all = snapshot.untag(null).orElseThrow();
        assertEquals(List.of("team", "env", "empty"), all.keys());
        assertEquals(List.of(), snapshot.tagsAfter(all));
        assertEquals(Optional.of(all), snapshot.untag(List.of()));
        assertEquals(Optional.empty(), given().untag(null), "nothing to delete causes nothing");
    }

    @Test
    void atMostFiftyTagsAfterTheChange() {
        SnapshotRecord full = given(numbered(49).toArray(Tag[]::new));
        assertEquals(50, full.tagsAfter(full.tag(List.of(tag("k-fiftieth", "v")))).size());
        assertEquals(50, full.tagsAfter(full.tag(List.of(tag("k-1", "again"), tag("k-2", "again"), tag("k-x", "v"))))
                .size(), "overwriting a key does not count twice");
        assertRefused("TagLimitExceeded", full, s -> s.tag(List.of(tag("k-a", "v"), tag("k-b", "v"))));
        assertRefused("TagLimitExceeded", given(), s -> s.tag(numbered(51)));
    }

    @Test
    void keysAndValuesFollowEc2sRestrictions() {
        SnapshotRecord snapshot = given(tag("team", "os"));
        assertRefused("MissingParameter", snapshot, s -> s.tag(null));
        assertRefused("MissingParameter", snapshot, s -> s.tag(List.of()));
        assertRefused("MissingParameter", snapshot, s -> s.tag(List.of(tag("k", null))));
        for (Tag bad : List.of(tag("", "v"), tag(null, "v"), tag("aws:name", "v"), tag("AWS:Name", "v"),
                tag("k".repeat(129), "v"), tag("k", "v".repeat(257)))) {
            assertRefused("InvalidParameterValue", snapshot, s -> s.tag(List.of(bad)));
        }
        assertRefused("InvalidParameterValue", snapshot, s -> s.untag(List.of(tag("aws:team", null))));
        assertRefused("InvalidParameterValue", snapshot, s -> s.untag(Arrays.asList((Tag) null)));
        assertEquals(128, snapshot.tag(List.of(tag("k".repeat(128), "v".repeat(256)))).tags().get(0).key().length());
        assertEquals(1, snapshot.tag(List.of(tag("\uD83D\uDE00".repeat(128), "v"))).tags().size(),
                "128 characters, not 128 UTF-16 units");
    }

    private static void assertRefused(String code, SnapshotRecord snapshot, Function<SnapshotRecord, ?> request) {
        assertEquals(code, assertThrows(Ec2Exception.class, () -> request.apply(snapshot)).code());
    }

    private static SnapshotRecord given(Tag... tags) {
        return new SnapshotRecord(ID, OWNER, 1, null, null, List.of(tags), "completed", null, Instant.EPOCH,
                Instant.EPOCH, Instant.EPOCH, 0, null, 3);
    }

    private static List<Tag> numbered(int count) {
        List<Tag> tags = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            tags.add(tag("k-" + i, "v"));
        }
        return tags;
    }

    private static Tag tag(String key, String value) {
        return new Tag(key, value);
    }
}
