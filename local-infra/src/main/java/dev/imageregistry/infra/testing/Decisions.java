package dev.imageregistry.infra.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventEnvelope;

/**
 * Given/when/then for the rules an aggregate decides, without a server: given the events it has had, when a
 * command is decided, then these events happen, or nothing, or this EC2 error. Every service's aggregate folds
 * its stored envelopes and answers a command with the events it causes (or throws the refusal), so one fixture
 * serves them all:
 *
 * <pre>{@code
 * given(Instance::fold, launched, running)
 *         .when(instance -> instance.stop())
 *         .then(new InstanceStateChanged(...));
 * }</pre>
 *
 * @param <A> the aggregate
 */
public final class Decisions<A> {
    /** The time given events are stamped with; rules that take the time are passed theirs by the test. */
    public static final Instant HISTORY_TIME = Instant.parse("2026-01-01T00:00:00Z");

    private final A aggregate;

    private Decisions(A aggregate) {
        this.aggregate = aggregate;
    }

    /** The aggregate folded from {@code history}, wrapped as the event store would (versions 1, 2, ...). */
    @SafeVarargs
    public static <A, E extends DomainEvent> Decisions<A> given(Function<List<EventEnvelope>, A> fold,
            E... history) {
        return new Decisions<>(fold.apply(envelopes(Arrays.asList(history))));
    }

    /** A command on no aggregate yet (one that creates it): the decider is a static method. */
    public static <A> Decisions<A> givenNothing() {
        return new Decisions<>(null);
    }

    /** The events as the event store would hand them to a fold. */
    public static List<EventEnvelope> envelopes(List<? extends DomainEvent> history) {
        List<EventEnvelope> envelopes = new ArrayList<>(history.size());
        long version = 0;
        for (DomainEvent event : history) {
            envelopes.add(EventEnvelope.of(event, "decisions-test", "us-east-1", ++version, HISTORY_TIME));
        }
        return envelopes;
    }

    /** The folded aggregate, for a test that asserts its state. */
    public A state() {
        return aggregate;
    }

    public Outcome when(Function<A, ? extends List<? extends DomainEvent>> command) {
        try {
            return new Outcome(List.copyOf(command.apply(aggregate)), null);
        } catch (Ec2Exception refused) {
            return new Outcome(null, refused);
        }
    }

    /** What the decider answered: events, or a refusal. */
    public static final class Outcome {
        private final List<? extends DomainEvent> events;
        private final Ec2Exception refusal;

        private Outcome(List<? extends DomainEvent> events, Ec2Exception refusal) {
            this.events = events;
            this.refusal = refusal;
        }

        /** Exactly these events, in this order (events are records: compared by value). */
        public List<? extends DomainEvent> then(DomainEvent... expected) {
            accepted();
            assertEquals(List.of(expected), events, "the events decided");
            return events;
        }

        /** Accepted, and nothing changes (an idempotent repeat, a no-op). */
        public void thenNothing() {
            accepted();
            assertEquals(List.of(), events, "an accepted command that changes nothing decides no event");
        }

        /** The events decided, for a test that checks only some of their fields. */
        public List<? extends DomainEvent> thenEvents() {
            accepted();
            return events;
        }

        /** Refused with EC2's {@code code} (and HTTP status 400 unless the code says otherwise). */
        public Ec2Exception thenRefused(String code) {
            if (refusal == null) {
                fail("expected " + code + ", but the command was accepted with " + events);
            }
            assertEquals(code, refusal.code(), () -> "refused with " + refusal.code() + ": " + refusal.getMessage());
            return refusal;
        }

        private void accepted() {
            if (refusal != null) {
                fail("expected the command to be accepted, but it was refused: " + refusal.code() + ": "
                        + refusal.getMessage());
            }
        }
    }

    /** For a decider that is not a command on the aggregate (a static check): the refusal it throws. */
    public static Ec2Exception refusalOf(Runnable check) {
        return assertThrows(Ec2Exception.class, check::run);
    }
}
