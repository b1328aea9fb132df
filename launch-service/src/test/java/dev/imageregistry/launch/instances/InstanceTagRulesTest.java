package dev.imageregistry.launch.instances;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.imageregistry.launch.instances.InstanceEvent.InstanceLaunched;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceStateChanged;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceTagged;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceUntagged;
import dev.imageregistry.launch.instances.InstanceEvent.RootVolume;
import dev.imageregistry.launch.instances.InstanceEvent.Tag;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;

/**
 * CreateTags and DeleteTags as the instance aggregate decides them, without a server: given its past events, when a
 * request, then the events it causes (folded back, they give the new tags) or a refusal.
 */
class InstanceTagRulesTest {
    private static final String ID = "i-0123456789abcdef0";
    private static final String OWNER = "111122223333";
    private static final String IMAGE = "ami-0123456789abcdef0";

    @Test
    void taggingSetsNewKeysAndOverwritesExistingOnes() {
        List<InstanceEvent> past = launched(tag("team", "os"), tag("env", "test"));
        List<InstanceTagged> caused = when(past).tag(List.of(tag("env", "prod"), tag("cost", "")));
        assertEquals(List.of(new InstanceTagged(ID, OWNER, List.of(tag("env", "prod"), tag("cost", "")))), caused);
        Instance after = then(past, caused);
        assertEquals(Map.of("team", "os", "env", "prod", "cost", ""), after.tags());
        assertEquals(2, after.version());
        assertEquals(List.of(tag("k", "last")), when(past).tag(List.of(tag("k", "first"), tag("k", "last"))).get(0)
                .tags(), "a key named twice keeps its last value");
    }

    @Test
    void untaggingByKeyByKeyAndValueOrEverything() {
        List<InstanceEvent> past = launched(tag("team", "os"), tag("env", "prod"));
        past.add(new InstanceTagged(ID, OWNER, List.of(tag("empty", ""))));
        Instance instance = when(past);
        assertEquals(List.of(new InstanceUntagged(ID, OWNER, List.of("team"))),
                instance.untag(List.of(tag("team", null), tag("absent", null))));
        assertEquals(List.of(), instance.untag(List.of(tag("env", "test"))), "another value keeps the tag");
        assertEquals(List.of("env"), instance.untag(List.of(tag("env", "prod"))).get(0).keys());
        assertEquals(List.of(), instance.untag(List.of(tag("empty", "x"))));
        assertEquals(List.of("empty"), instance.untag(List.of(tag("empty", ""))).get(0).keys(),
                "an empty value matches only an empty value");
        List<InstanceUntagged> all = instance.untag(null);
        assertEquals(List.of("team", "env", "empty"), all.get(0).keys());
        assertEquals(all, instance.untag(List.of()));
        assertEquals(Map.of(), then(past, all).tags());
        assertEquals(List.of(), when(launched()).untag(null), "nothing to delete causes nothing");
    }

    @Test
    void atMostFiftyTagsAfterTheChange() {
        List<InstanceEvent> past = launched(numbered(49).toArray(Tag[]::new));
        assertEquals(50, then(past, when(past).tag(List.of(tag("k-fiftieth", "v")))).tags().size());
        assertEquals(50, then(past, when(past).tag(List.of(tag("k-1", "x"), tag("k-2", "x"), tag("k-new", "v"))))
                .tags().size(), "overwriting a key does not count twice");
        assertRefused("TagLimitExceeded", past, i -> i.tag(List.of(tag("k-a", "v"), tag("k-b", "v"))));
        assertRefused("TagLimitExceeded", launched(), i -> i.tag(numbered(51)));
    }

    @Test
    void keysAndValuesFollowEc2sRestrictions() {
        List<InstanceEvent> past = launched(tag("team", "os"));
        assertRefused("MissingParameter", past, i -> i.tag(null));
        assertRefused("MissingParameter", past, i -> i.tag(List.of()));
        assertRefused("MissingParameter", past, i -> i.tag(List.of(tag("k", null))));
        for (Tag bad : List.of(tag("", "v"), tag(null, "v"), tag("aws:name", "v"), tag("AWS:Name", "v"),
                tag("k".repeat(129), "v"), tag("k", "v".repeat(257)))) {
            assertRefused("InvalidParameterValue", past, i -> i.tag(List.of(bad)));
        }
        assertRefused("InvalidParameterValue", past, i -> i.untag(List.of(tag("aws:team", null))));
        assertRefused("InvalidParameterValue", past, i -> i.untag(Arrays.asList((Tag) null)));
        assertEquals(1, when(past).tag(List.of(tag("k".repeat(128), "v".repeat(256)))).size());
    }

    @Test
    void aTerminatedInstanceIsStillTaggedAndStateChangesKeepTheTags() {
        List<InstanceEvent> past = launched(tag("team", "os"));
        past.add(new InstanceStateChanged(ID, OWNER, IMAGE, "pending", "running", null));
        past.add(new InstanceStateChanged(ID, OWNER, IMAGE, "running", "shutting-down", null));
        past.add(new InstanceStateChanged(ID, OWNER, IMAGE, "shutting-down", "terminated", null));
        Instance terminated = when(past);
        assertEquals(InstanceState.TERMINATED, terminated.state());
        assertEquals(Map.of("team", "os"), terminated.tags());
        Instance after = then(past, terminated.tag(List.of(tag("reason", "done"))));
        assertEquals(Map.of("team", "os", "reason", "done"), after.tags());
        assertEquals(5, after.version());
        assertEquals(InstanceState.TERMINATED, after.state());
    }

    private static void assertRefused(String code, List<InstanceEvent> past, Function<Instance, ?> request) {
        Instance instance = when(past);
        assertEquals(code, assertThrows(Ec2Exception.class, () -> request.apply(instance)).code());
    }

    private static List<InstanceEvent> launched(Tag... tags) {
        List<InstanceEvent> events = new ArrayList<>();
        events.add(new InstanceLaunched(ID, OWNER, IMAGE, OWNER, "t3.micro", "r-0123456789abcdef0", 0, "/dev/xvda",
                new RootVolume("vol-0123456789abcdef0", "snap-0123456789abcdef0", 8), true, Instant.EPOCH,
                tags.length == 0 ? null : List.of(tags)));
        return events;
    }

    /** The instance folded from {@code past}, as the service loads it from its event store. */
    private static Instance when(List<InstanceEvent> past) {
        return Instance.fold(envelopes(past));
    }

    /** The instance once {@code caused} is appended to {@code past} and folded again. */
    private static Instance then(List<InstanceEvent> past, List<? extends InstanceEvent> caused) {
        List<InstanceEvent> all = new ArrayList<>(past);
        all.addAll(caused);
        return Instance.fold(envelopes(all));
    }

    private static List<EventEnvelope> envelopes(List<InstanceEvent> events) {
        List<EventEnvelope> envelopes = new ArrayList<>();
        for (InstanceEvent event : events) {
            envelopes.add(EventEnvelope.of(event, "/regions/us-east-1/launch-service", "us-east-1",
                    envelopes.size() + 1, Instant.EPOCH, null));
        }
        return envelopes;
    }

    private static List<Tag> numbered(int count) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 1; i <= count; i++) {
            tags.put("k-" + i, "v");
        }
        List<Tag> list = new ArrayList<>();
        tags.forEach((key, value) -> list.add(tag(key, value)));
        return list;
    }

    private static Tag tag(String key, String value) {
        return new Tag(key, value);
    }
}
