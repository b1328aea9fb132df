package dev.imageregistry.launch.domain;

import static dev.imageregistry.infra.testing.Decisions.refusalOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.imageregistry.infra.testing.Decisions;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceTagged;
import dev.imageregistry.launch.domain.InstanceEvent.InstanceUntagged;
import dev.imageregistry.launch.domain.InstanceEvent.RootVolume;
import dev.imageregistry.launch.domain.InstanceEvent.StateReason;
import dev.imageregistry.launch.domain.InstanceEvent.Tag;

/**
 * Every rule the instance aggregate decides, without a server: given the events it has had, when a command, then
 * the events it causes, nothing, or EC2's refusal. The state machine (stop, start, terminate from every state, the
 * worker's settling and a failed launch), CreateTags and DeleteTags, the shape of the IDs a request names; the
 * snapshots of the root volume: domain/RootVolumeSnapshotTest.
 */
class InstanceTest {
    private static final String ID = "i-0123456789abcdef0";
    private static final String OWNER = "111122223333";
    private static final String IMAGE = "ami-0123456789abcdef0";
    private static final String VOLUME = "vol-0123456789abcdef0";
    private static final String BASE = "snap-0123456789abcdef0";
    private static final StateReason USER_SHUTDOWN = new StateReason("Client.UserInitiatedShutdown",
            "Client.UserInitiatedShutdown: User initiated shutdown");

    // ---- the state machine

    /** EC2's StopInstances, StartInstances and TerminateInstances from each of the six states. */
    @ParameterizedTest(name = "{0} from {1}: {2}")
    @CsvSource({
            "stop,      pending,       IncorrectInstanceState",
            "stop,      running,       stopping",
            "stop,      stopping,      nothing",
            "stop,      stopped,       nothing",
            "stop,      shutting-down, IncorrectInstanceState",
            "stop,      terminated,    IncorrectInstanceState",
            "start,     pending,       nothing",
            "start,     running,       nothing",
            "start,     stopping,      IncorrectInstanceState",
            "start,     stopped,       pending",
            "start,     shutting-down, IncorrectInstanceState",
            "start,     terminated,    IncorrectInstanceState",
            "terminate, pending,       shutting-down",
            "terminate, running,       shutting-down",
            "terminate, stopping,      shutting-down",
            "terminate, stopped,       shutting-down",
            "terminate, shutting-down, nothing",
            "terminate, terminated,    nothing" })
    void stopStartAndTerminateFromEveryState(String action, String from, String outcome) {
        Function<Instance, List<InstanceStateChanged>> command = switch (action) {
            case "stop" -> Instance::stop;
            case "start" -> Instance::start;
            default -> Instance::terminate;
        };
        Decisions.Outcome decided = given(InstanceState.of(from)).when(command);
        if (outcome.equals("nothing")) {
            decided.thenNothing();
        } else if (outcome.equals("IncorrectInstanceState")) {
            String message = decided.thenRefused(outcome).getMessage();
            assertTrue(message.contains("'" + ID + "'") && message.contains("(it is " + from + ")"), message);
        } else {
            // the owner's stop or termination says so; a start has no reason
            decided.then(changed(from, outcome, action.equals("start") ? null : USER_SHUTDOWN));
        }
    }

    /** The transition worker's step: a transitional state settles, any other stays as it is. */
    @ParameterizedTest(name = "settle {0}: {1}")
    @CsvSource({
            "pending,       running",
            "stopping,      stopped",
            "shutting-down, terminated",
            "running,       nothing",
            "stopped,       nothing",
            "terminated,    nothing" })
    void aTransitionalStateSettles(String from, String outcome) {
        Decisions.Outcome decided = given(InstanceState.of(from)).when(Instance::settle);
        if (outcome.equals("nothing")) {
            decided.thenNothing();
        } else {
            decided.then(changed(from, outcome, from.equals("pending") ? null : USER_SHUTDOWN));
        }
    }

    @Test
    void aLaunchWhoseRootSnapshotIsGoneEndsTerminatedWithEc2sReason() {
        given(InstanceState.PENDING).when(instance -> instance.failLaunch("snap-0123456789abcdef0"))
                .then(changed("pending", "terminated", new StateReason("Client.InvalidSnapshot.NotFound",
                        "Client.InvalidSnapshot.NotFound: The snapshot snap-0123456789abcdef0 of the image's root "
                                + "device no longer exists")));
        given(InstanceState.TERMINATED).when(instance -> instance.failLaunch("snap-0123456789abcdef0")).thenNothing();
    }

    @Test
    void foldingGivesTheStateTheTagsAndTheVersion() {
        Instance instance = given(InstanceState.STOPPED, tag("team", "os")).state();
        assertEquals(new Instance(ID, OWNER, IMAGE, InstanceState.STOPPED, Map.of("team", "os"),
                new RootVolume(VOLUME, BASE, 8), Set.of(), 4), instance);
    }

    // ---- CreateTags

    @Test
    void taggingSetsNewKeysAndOverwritesExistingOnes() {
        InstanceEvent[] past = history(InstanceState.RUNNING, tag("team", "os"), tag("env", "test"));
        InstanceTagged tagged = new InstanceTagged(ID, OWNER, List.of(tag("env", "prod"), tag("cost", "")));
        Decisions.given(Instance::fold, past).when(i -> i.tag(List.of(tag("env", "prod"), tag("cost", ""))))
                .then(tagged);
        Instance after = Decisions.given(Instance::fold, append(past, tagged)).state();
        assertEquals(Map.of("team", "os", "env", "prod", "cost", ""), after.tags());
        assertEquals(3, after.version());

        Decisions.given(Instance::fold, past).when(i -> i.tag(List.of(tag("k", "first"), tag("k", "last"))))
                .then(new InstanceTagged(ID, OWNER, List.of(tag("k", "last")))); // a key named twice keeps its last value
    }

    @Test
    void atMostFiftyTagsAfterTheChangeOverwrittenKeysCountedOnce() {
        InstanceEvent[] fortyNine = history(InstanceState.RUNNING, numbered(49).toArray(Tag[]::new));
        assertEquals(50, tagsAfter(fortyNine, List.of(tag("k-fiftieth", "v"))).size());
        assertEquals(50, tagsAfter(fortyNine, List.of(tag("k-1", "x"), tag("k-2", "x"), tag("k-new", "v"))).size());

        Decisions.given(Instance::fold, fortyNine).when(i -> i.tag(List.of(tag("k-a", "v"), tag("k-b", "v"))))
                .thenRefused("TagLimitExceeded");
        given(InstanceState.RUNNING).when(i -> i.tag(numbered(51))).thenRefused("TagLimitExceeded");
    }

    @Test
    void keysAndValuesFollowEc2sRestrictions() {
        Decisions<Instance> tagged = given(InstanceState.RUNNING, tag("team", "os"));
        tagged.when(i -> i.tag(null)).thenRefused("MissingParameter");
        tagged.when(i -> i.tag(List.of())).thenRefused("MissingParameter");
        tagged.when(i -> i.tag(List.of(tag("k", null)))).thenRefused("MissingParameter");
        for (Tag bad : List.of(tag("", "v"), tag(null, "v"), tag("aws:name", "v"), tag("AWS:Name", "v"),
                tag("k".repeat(129), "v"), tag("k", "v".repeat(257)))) {
            tagged.when(i -> i.tag(List.of(bad))).thenRefused("InvalidParameterValue");
        }
        tagged.when(i -> i.untag(List.of(tag("aws:team", null)))).thenRefused("InvalidParameterValue");
        tagged.when(i -> i.untag(Arrays.asList((Tag) null))).thenRefused("InvalidParameterValue");
        tagged.when(i -> i.tag(List.of(tag("k".repeat(128), "v".repeat(256))))).thenEvents();
    }

    @Test
    void aTerminatedInstanceIsStillTaggedAndStateChangesKeepTheTags() {
        InstanceEvent[] past = history(InstanceState.TERMINATED, tag("team", "os"));
        Decisions<Instance> terminated = Decisions.given(Instance::fold, past);
        assertEquals(Map.of("team", "os"), terminated.state().tags());
        InstanceTagged reason = new InstanceTagged(ID, OWNER, List.of(tag("reason", "done")));
        terminated.when(i -> i.tag(List.of(tag("reason", "done")))).then(reason);
        Instance after = Decisions.given(Instance::fold, append(past, reason)).state();
        assertEquals(Map.of("team", "os", "reason", "done"), after.tags());
        assertEquals(InstanceState.TERMINATED, after.state());
    }

    // ---- DeleteTags

    @Test
    void untaggingByKeyRemovesWhateverTheValueAndIgnoresUnknownKeys() {
        given(InstanceState.RUNNING, tag("team", "os"), tag("env", "prod"))
                .when(i -> i.untag(List.of(tag("team", null), tag("absent", null))))
                .then(new InstanceUntagged(ID, OWNER, List.of("team")));
    }

    @Test
    void untaggingWithAValueRemovesOnlyWhenItMatches() {
        Decisions<Instance> tagged = given(InstanceState.RUNNING, tag("env", "prod"), tag("empty", ""));
        tagged.when(i -> i.untag(List.of(tag("env", "test")))).thenNothing();
        tagged.when(i -> i.untag(List.of(tag("env", "prod")))).then(new InstanceUntagged(ID, OWNER, List.of("env")));
        tagged.when(i -> i.untag(List.of(tag("empty", "x")))).thenNothing();
        // an empty value matches only an empty value
        tagged.when(i -> i.untag(List.of(tag("empty", "")))).then(new InstanceUntagged(ID, OWNER, List.of("empty")));
    }

    @Test
    void untaggingWithoutTagsRemovesEveryTagAndNothingToRemoveCausesNothing() {
        InstanceEvent[] past = history(InstanceState.RUNNING, tag("team", "os"), tag("env", "prod"));
        InstanceUntagged all = new InstanceUntagged(ID, OWNER, List.of("team", "env"));
        Decisions.given(Instance::fold, past).when(i -> i.untag(null)).then(all);
        Decisions.given(Instance::fold, past).when(i -> i.untag(List.of())).then(all);
        assertEquals(Map.of(), Decisions.given(Instance::fold, append(past, all)).state().tags());
        given(InstanceState.RUNNING).when(i -> i.untag(null)).thenNothing();
    }

    // ---- the IDs a request names

    @Test
    void instanceIdsOfEightOrSeventeenHexDigitsAreWellFormedAndCountOnce() {
        assertEquals(List.of("i-1a2b3c4d", "i-0123456789abcdef0"),
                Instance.wellFormedIds(List.of("i-1a2b3c4d", "i-0123456789abcdef0", "i-1a2b3c4d")));
        for (String malformed : List.of("i-123", "i-1a2b3c4", "i-1a2b3c4d5", "i-0123456789abcdef", "i-1A2B3C4D",
                "ami-1a2b3c4d", "")) {
            assertEquals("InvalidInstanceID.Malformed", refusalOf(() -> Instance.wellFormedIds(List.of(malformed)))
                    .code(), malformed);
        }
        assertEquals("Invalid id: \"i-123\"", refusalOf(() -> Instance.wellFormedIds(List.of("i-123"))).getMessage());
        assertEquals("InvalidInstanceID.Malformed",
                refusalOf(() -> Instance.wellFormedIds(Arrays.asList("i-1a2b3c4d", null))).code());
        assertEquals("MissingParameter", refusalOf(() -> Instance.wellFormedIds(List.of())).code());
        assertEquals("MissingParameter", refusalOf(() -> Instance.wellFormedIds(null)).code());
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            tooMany.add(String.format("i-%017x", i));
        }
        assertEquals("InvalidParameterValue", refusalOf(() -> Instance.wellFormedIds(tooMany)).code());
        assertEquals(1000, Instance.wellFormedIds(tooMany.subList(0, 1000)).size());
    }

    // ---- fixtures

    private static Decisions<Instance> given(InstanceState state, Tag... launchTags) {
        return Decisions.given(Instance::fold, history(state, launchTags));
    }

    /** The events that leave an instance in {@code state}, launched with {@code launchTags}, as the service stores them. */
    private static InstanceEvent[] history(InstanceState state, Tag... launchTags) {
        List<InstanceEvent> events = new ArrayList<>();
        events.add(new InstanceLaunched(ID, OWNER, IMAGE, OWNER, "t3.micro", "r-0123456789abcdef0", 0, "/dev/xvda",
                new RootVolume(VOLUME, BASE, 8), true, Instant.EPOCH,
                launchTags.length == 0 ? null : List.of(launchTags)));
        List<String> path = switch (state) {
            case PENDING -> List.of("pending");
            case RUNNING -> List.of("pending", "running");
            case STOPPING -> List.of("pending", "running", "stopping");
            case STOPPED -> List.of("pending", "running", "stopping", "stopped");
            case SHUTTING_DOWN -> List.of("pending", "running", "shutting-down");
            case TERMINATED -> List.of("pending", "running", "shutting-down", "terminated");
        };
        for (int i = 1; i < path.size(); i++) {
            events.add(changed(path.get(i - 1), path.get(i), path.get(i).equals("running") ? null : USER_SHUTDOWN));
        }
        return events.toArray(InstanceEvent[]::new);
    }

    private static InstanceStateChanged changed(String from, String to, StateReason reason) {
        return new InstanceStateChanged(ID, OWNER, IMAGE, from, to, reason);
    }

    private static InstanceEvent[] append(InstanceEvent[] past, InstanceEvent... caused) {
        List<InstanceEvent> all = new ArrayList<>(Arrays.asList(past));
        all.addAll(Arrays.asList(caused));
        return all.toArray(InstanceEvent[]::new);
    }

    /** The tags once CreateTags of {@code requested} is decided and folded back in. */
    private static Map<String, String> tagsAfter(InstanceEvent[] past, List<Tag> requested) {
        List<? extends InstanceEvent> caused = Decisions.given(Instance::fold, past).state().tag(requested);
        return Decisions.given(Instance::fold, append(past, caused.toArray(InstanceEvent[]::new))).state().tags();
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
