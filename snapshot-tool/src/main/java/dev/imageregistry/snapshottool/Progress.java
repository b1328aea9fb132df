package dev.imageregistry.snapshottool;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A one-line progress bar on the terminal (redrawn with a carriage return), or nothing when disabled. */
public final class Progress implements AutoCloseable {
    private final String label;
    private final long total;
    private final PrintStream out;
    private final long started = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong transferred = new AtomicLong();
    private final ScheduledExecutorService ticker;

    public Progress(String label, long totalBytes, PrintStream out) {
        this.label = label;
        this.total = Math.max(1, totalBytes);
        this.out = out;
        if (out != null) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::draw, 0, 250, TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
        }
    }

    /** A block was handled; {@code sent} says whether its bytes crossed the network (skipped ones did not). */
    public void advance(long bytes, boolean sent) {
        done.addAndGet(bytes);
        if (sent) {
            transferred.addAndGet(bytes);
        }
    }

    public void skipTo(long bytes) {
        done.set(bytes);
    }

    private void draw() {
        long now = Math.min(done.get(), total);
        int width = 30;
        int filled = (int) (width * now / total);
        double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
        out.print(String.format(Locale.ROOT, "\r%s [%s%s] %3d%% %8.1f MiB/%.1f MiB  %6.1f MiB/s transferred",
                label, "=".repeat(filled), " ".repeat(width - filled), 100 * now / total, now / 1048576.0,
                total / 1048576.0, transferred.get() / 1048576.0 / seconds));
        out.flush();
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            draw();
            out.println();
        }
    }
}
