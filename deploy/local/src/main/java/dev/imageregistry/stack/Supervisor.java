package dev.imageregistry.stack;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Restarts what dies while the stack runs, as Kubernetes restarts a crashed container: a crash, an out-of-memory
 * kill or a {@code kill -9} alike. The first restart comes after 1 s, doubling to 30 s while the process keeps dying
 * within a minute of its start, and a line says so. A service is also probed as the manifests' liveness probe
 * does (/q/health/live every 5 s): three failures in a row, once it had come up, and it is killed, so restarted (a
 * failed Kafka channel, for one, is dead to its consumers until the service restarts). Stopping the stack stops the
 * restarts and probes first.
 */
final class Supervisor implements AutoCloseable {
    static final Duration FIRST_RESTART = Duration.ofSeconds(1);
    static final Duration LONGEST_RESTART = Duration.ofSeconds(30);
    /** Up this long, a process that dies is restarted after {@link #FIRST_RESTART} again. */
    static final Duration STEADY = Duration.ofSeconds(60);

    /** Something the stack runs as a process of its own. */
    interface Supervised {
        /** {@code region/what}, as the lines say it. */
        String name();

        /** Completes when the process running now exits, saying how ("exited with 137"). */
        CompletableFuture<String> onExit();

        /** Starts it again, unless the stack is stopping it: false then. */
        boolean restartUnlessStopping();

        /**
         * Its liveness probe, as the Kubernetes manifests give the services one: null when it has none. A process
         * that answers false (or nothing) {@link #LIVENESS_FAILURES} times in a row, once it has answered true since
         * its start, is killed and so restarted.
         */
        default java.util.function.BooleanSupplier liveness() {
            return null;
        }

        /** Kills the process running now (SIGKILL), as the kubelet does after a failed liveness probe. */
        default void kill() {
        }
    }

    /** The manifests' liveness probe: every 5 s, 3 failures in a row. */
    static final Duration LIVENESS_PERIOD = Duration.ofSeconds(5);
    static final int LIVENESS_FAILURES = 3;

    /**
     * Daemon threads (they never keep the stack's JVM alive), a few: a probe may wait 3 s for its answer, and a
     * server's restart until it answers.
     */
    private final ScheduledExecutorService restarts = Executors.newScheduledThreadPool(4, task -> {
        Thread thread = new Thread(task, "local-stack-supervisor");
        thread.setDaemon(true);
        return thread;
    });

    /** From now on, an exit of {@code supervised} is followed by a restart (and a dead liveness probe by a kill). */
    void watch(Supervised supervised) {
        Watch watch = new Watch(supervised);
        watch.from(System.nanoTime());
        if (watch.liveness != null) {
            restarts.scheduleWithFixedDelay(watch::probe, LIVENESS_PERIOD.toMillis(), LIVENESS_PERIOD.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        restarts.shutdownNow();
    }

    /** One supervised process's back-off and liveness. */
    private final class Watch {
        private final Supervised supervised;
        private final java.util.function.BooleanSupplier liveness;
        private volatile Duration nextRestart = FIRST_RESTART;
        private volatile int count;
        /** Since the process now running started: has it answered its probe, and how many failures in a row. */
        private volatile boolean started;
        private int failures;

        /** Not counted before the process has come up (a JVM start takes seconds, more on a busy machine). */
        void probe() {
            boolean alive = liveness.getAsBoolean();
            if (alive) {
                started = true;
                failures = 0;
            } else if (started && ++failures >= LIVENESS_FAILURES) {
                LocalStack.log(String.format("%s failed its liveness probe %d times in a row; killing it",
                        supervised.name(), failures));
                started = false;
                failures = 0;
                supervised.kill();
            }
        }

        Watch(Supervised supervised) {
            this.supervised = supervised;
            this.liveness = supervised.liveness();
        }

        void from(long startedAt) {
            started = false;
            supervised.onExit().thenAccept(exited -> {
                Duration lived = Duration.ofNanos(System.nanoTime() - startedAt);
                if (lived.compareTo(STEADY) >= 0) {
                    nextRestart = FIRST_RESTART;
                }
                Duration delay = nextRestart;
                nextRestart = delay.multipliedBy(2).compareTo(LONGEST_RESTART) > 0 ? LONGEST_RESTART
                        : delay.multipliedBy(2);
                try {
                    restarts.schedule(this::restart, delay.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    return; // the stack is stopping: nothing is restarted
                }
                LocalStack.log(String.format("%s %s after %d s; restarting it in %d s (restart %d)",
                        supervised.name(), exited, lived.toSeconds(), delay.toSeconds(), ++count));
            });
        }

        private void restart() {
            try {
                if (supervised.restartUnlessStopping()) {
                    from(System.nanoTime());
                }
            } catch (RuntimeException e) {
                // A start that failed is a young death: its process has exited, so the next try comes at once
                // after a longer pause.
                LocalStack.log("could not restart " + supervised.name() + ": " + e);
                from(System.nanoTime());
            }
        }
    }
}
