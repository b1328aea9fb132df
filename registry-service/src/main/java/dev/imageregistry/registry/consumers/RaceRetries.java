package dev.imageregistry.registry.consumers;

import dev.imageregistry.platform.errors.Ec2Exception;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * A consumed event that leads to a decision can lose a race with the owner changing the same image (tags,
 * description): the conflict rolls back the whole attempt (the intake's record of the event included), which is
 * then run again against the new state rather than dropped.
 */
final class RaceRetries {
    private static final int MAX_ATTEMPTS = 10;

    private RaceRetries() {
    }

    static void run(Runnable attempt) {
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
