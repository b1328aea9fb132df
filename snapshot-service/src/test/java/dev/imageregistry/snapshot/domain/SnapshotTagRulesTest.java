package dev.imageregistry.snapshot.domain;

import static dev.imageregistry.infra.testing.Decisions.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCompleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotDeleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotFailed;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotStarted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotTagged;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotUntagged;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;

/** CreateTags and DeleteTags as a snapshot decides them: given its events, when a request, then an event or a refusal. */
class SnapshotTagRulesTest {
    private static final String ID = "snap-0123456789abcdef0";
    private static final String OWNER = "111122223333";
    private static final String OTHER = "444455556666";
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void taggingSetsNewKeysAndOverwritesExistingOnes() {
        SnapshotStarted started = started(tag("team", "os"), tag("env", "test"));
        SnapshotTagged tagged = new SnapshotTagged(ID, OWNER, List.of(tag("env", "prod"), tag("cost", "")));
        given(Snapshot::fold, started).when(s -> s.tag(OWNER, List.of(tag("env", "prod"), tag("cost", ""))))
                .then(tagged);
        assertEquals(List.of(tag("team", "os"), tag("env", "prod"), tag("cost", "")),
                given(Snapshot::fold, started, tagged).state().tagList(), "the fold keeps the order keys were first set in");
        given(Snapshot::fold, started).when(s -> s.tag(OWNER, List.of(tag("k", "first"), tag("k", "last"))))
                .then(new SnapshotTagged(ID, OWNER, List.of(tag("k", "last"))));
    }

    @Test
    void untaggingByKeyByKeyAndValueOrEverything() {
        SnapshotStarted started = started(tag("team", "os"), tag("env", "prod"), tag("empty", ""));
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, List.of(tag("team", null), tag("absent", null))))
                .then(new SnapshotUntagged(ID, OWNER, List.of("team")));
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, List.of(tag("env", "test")))).thenNothing();
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, List.of(tag("env", "prod"))))
                .then(new SnapshotUntagged(ID, OWNER, List.of("env")));
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, List.of(tag("empty", "x")))).thenNothing();
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, List.of(tag("empty", ""))))
                .then(new SnapshotUntagged(ID, OWNER, List.of("empty")));
        SnapshotUntagged all = new SnapshotUntagged(ID, OWNER, List.of("team", "env", "empty"));
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, null)).then(all);
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, List.of())).then(all);
        assertEquals(Map.of(), given(Snapshot::fold, started, all).state().tags());
        given(Snapshot::fold, started()).when(s -> s.untag(OWNER, null)).thenNothing();
    }

    @Test
    void atMostFiftyTagsAfterTheChange() {
        SnapshotStarted full = started(numbered(49).toArray(Tag[]::new));
        given(Snapshot::fold, full).when(s -> s.tag(OWNER, List.of(tag("k-fiftieth", "v")))).thenEvents();
        SnapshotTagged overwriting = new SnapshotTagged(ID, OWNER, List.of(tag("k-1", "again"), tag("k-2", "again"),
                tag("k-x", "v")));
        given(Snapshot::fold, full).when(s -> s.tag(OWNER, overwriting.tags())).then(overwriting);
        assertEquals(50, given(Snapshot::fold, full, overwriting).state().tags().size(),
                "overwriting a key does not count twice");
        given(Snapshot::fold, full).when(s -> s.tag(OWNER, List.of(tag("k-a", "v"), tag("k-b", "v"))))
                .thenRefused("TagLimitExceeded");
        given(Snapshot::fold, started()).when(s -> s.tag(OWNER, numbered(51))).thenRefused("TagLimitExceeded");
    }

    @Test
    void keysAndValuesFollowEc2sRestrictions() {
        SnapshotStarted started = started(tag("team", "os"));
        given(Snapshot::fold, started).when(s -> s.tag(OWNER, null)).thenRefused("MissingParameter");
        given(Snapshot::fold, started).when(s -> s.tag(OWNER, List.of())).thenRefused("MissingParameter");
        given(Snapshot::fold, started).when(s -> s.tag(OWNER, List.of(tag("k", null)))).thenRefused("MissingParameter");
        for (Tag bad : List.of(tag("", "v"), tag(null, "v"), tag("aws:name", "v"), tag("AWS:Name", "v"),
                tag("k".repeat(129), "v"), tag("k", "v".repeat(257)))) {
            given(Snapshot::fold, started).when(s -> s.tag(OWNER, List.of(bad))).thenRefused("InvalidParameterValue");
        }
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, List.of(tag("aws:team", null))))
                .thenRefused("InvalidParameterValue");
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, List.of(tag("", null))))
                .thenRefused("InvalidParameterValue");
        given(Snapshot::fold, started).when(s -> s.untag(OWNER, Arrays.asList((Tag) null)))
                .thenRefused("InvalidParameterValue");
        given(Snapshot::fold, started).when(s -> s.tag(OWNER, List.of(tag("k".repeat(128), "v".repeat(256)))))
                .thenEvents();
        given(Snapshot::fold, started).when(s -> s.tag(OWNER, List.of(tag("\uD83D\uDE00".repeat(128), "v"))))
                .thenEvents(); // 128 characters, not 128 UTF-16 units
    }

    @Test
    void onlyTheOwnerTagsInAnyStateAndADeletedSnapshotIsGone() {
        SnapshotStarted started = started(tag("team", "os"));
        for (String account : List.of(OTHER, "777788889999")) {
            given(Snapshot::fold, started).when(s -> s.tag(account, List.of(tag("team", "theirs"))))
                    .thenRefused("InvalidSnapshot.NotFound");
            given(Snapshot::fold, started).when(s -> s.untag(account, List.of(tag("team", null))))
                    .thenRefused("InvalidSnapshot.NotFound");
            given(Snapshot::fold, started).when(s -> s.untag(account, null)).thenRefused("InvalidSnapshot.NotFound");
        }
        SnapshotCompleted completed = new SnapshotCompleted(ID, OWNER, 1, null, 0,
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "SHA256", null, START);
        SnapshotFailed failed = new SnapshotFailed(ID, OWNER, new StateReason("Timeout", "not completed in time"));
        given(Snapshot::fold, started, completed).when(s -> s.tag(OWNER, List.of(tag("a", "1")))).thenEvents();
        given(Snapshot::fold, started, failed).when(s -> s.tag(OWNER, List.of(tag("state", "error")))).thenEvents();
        SnapshotDeleted deleted = new SnapshotDeleted(ID, OWNER);
        given(Snapshot::fold, started, deleted).when(s -> s.tag(OWNER, List.of(tag("k", "v"))))
                .thenRefused("InvalidSnapshot.NotFound");
        given(Snapshot::fold, started, deleted).when(s -> s.untag(OWNER, null)).thenRefused("InvalidSnapshot.NotFound");
    }

    private static SnapshotStarted started(Tag... tags) {
        return new SnapshotStarted(ID, OWNER, 1, null, null, List.of(tags), START);
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
