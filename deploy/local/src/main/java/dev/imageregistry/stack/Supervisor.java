package dev.imageregistry.stack;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Restarts what dies while the stack runs, as Kubernetes restarts a crashed container: a crash, an out-of-memory
 * kill or a {@code kill -9} alike. The first restart comes after 1 s, doubling to 30 s while the process keeps dying
 * within a minute of its start, and a line says so. Stopping the stack stops the restarts first.
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

        /** Completes when the process running now exits. */
        CompletableFuture<Process> onExit();

        /** Starts it again, unless the stack is stopping it: false then. */
        boolean restartUnlessStopping();
    }

    /** A daemon thread: it never keeps the stack's JVM alive. */
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "local-stack-restarts");
        thread.setDaemon(true);
        return thread;
    });

    /** From now on, an exit of {@code supervised} is followed by a restart. */
    void watch(Supervised supervised) {
        new Watch(supervised).from(System.nanoTime());
    }

    @Override
    public void close() {
        restarts.shutdownNow();
    }

    /** One supervised process's back-off. */
    private final class Watch {
        private final Supervised supervised;
        private Duration nextRestart = FIRST_RESTART;
        private int count;

        Watch(Supervised supervised) {
            this.supervised = supervised;
        }

        void from(long startedAt) {
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
                LocalStack.log(String.format("%s exited with %d after %d s; restarting it in %d s (restart %d)",
                        supervised.name(), exited.exitValue(), lived.toSeconds(), delay.toSeconds(), ++count));
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
