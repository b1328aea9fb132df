package dev.imageregistry.platform.projection;

import dev.imageregistry.platform.errors.Ec2Exception;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * A consumed event that leads to a decision can lose a race with a command on the same aggregate (the owner tagging
 * the image, stopping the instance): the conflict rolls back the whole attempt, the intake's record of the event
 * included, which is then run again against the new state rather than dropped.
 */
public final class RaceRetries {
    private static final int MAX_ATTEMPTS = 10;

    private RaceRetries() {
    }

    /** Runs {@code attempt} in a new transaction, again while it loses an optimistic race (409), up to 10 times. */
    public static void run(Runnable attempt) {
        for (int tries = 1;; tries++) {
            try {
                QuarkusTransaction.requiringNew().run(attempt);
                return;
            } catch (Ec2Exception e) {
                if (e.status() != 409 || tries == MAX_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
