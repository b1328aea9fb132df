package dev.imageregistry.gateway.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the CPU went during a phase, from the kernel's own accounting (/proc): the test JVM's threads by kind (the
 * gateway's HTTP server and request threads, the JIT compilers, GC and VM threads, and the rest: the in-JVM Kafka
 * broker, the benchmark's own driver), the registry-service's process (its JIT compilers apart), the PostgreSQL
 * server's processes, and the whole machine, so that what other programs took on a shared machine is seen beside the
 * figures. The clients' threads measure themselves ({@link #currentThreadCpu}).
 */
final class Cpu {
    /**
     * The gateway's threads: Vert.x' event loops (HTTP server and client, and since the endpoint is a route, all of
     * the gateway's own work) and Quarkus' worker pool (which served the endpoint when it was a JAX-RS resource).
     */
    static boolean isGatewayThread(String name) {
        // Linux keeps the first 15 characters of a thread's name: "executor-thread", "vert.x-eventloo".
        return name.startsWith("executor-thread") || name.startsWith("vert.x-");
    }

    static boolean isJitThread(String name) {
        return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
    }

    static boolean isGcOrVmThread(String name) {
        return name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")
                || name.startsWith("VM Periodic");
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final long NANOS_PER_TICK = 1_000_000_000L / clockTicks();
    private static final long SELF = ProcessHandle.current().pid();

    private final long registryPid;
    private final Path postgresPidFile;

    Cpu(long registryPid, Path postgresPidFile) {
        this.registryPid = registryPid;
        this.postgresPidFile = postgresPidFile;
    }

    /** Cumulative CPU ticks at one instant: per thread (tid → ticks) of the two JVMs, and totals. */
    record Snapshot(long wall, long testJvm, Map<Long, Long> gateway, Map<Long, Long> testJit, Map<Long, Long> testGc,
            long registry, Map<Long, Long> registryJit, long postgres, long machineBusy, long machineTotal) {
    }

    /** CPU used between two snapshots, in nanoseconds (machine: busy and total core-nanoseconds). */
    record Usage(long wall, long testJvm, long gateway, long testJit, long testGc, long clients, long registry,
            long registryJit, long postgres, long machineBusy, long machineTotal) {
        /** What the rest of the test JVM used: the in-JVM broker, the driver, timers (clients, gateway, JIT, GC apart). */
        long testJvmRest() {
            return Math.max(0, testJvm - gateway - clients - testJit - testGc);
        }

        /** CPU of processes other than the benchmark's own (another build on a shared machine). */
        long others() {
            return Math.max(0, machineBusy - testJvm - registry - postgres);
        }

        double cores(long nanos) {
            return (double) nanos / wall;
        }
    }

    Snapshot snapshot() {
        Map<Long, Long> gateway = new HashMap<>();
        Map<Long, Long> testJit = new HashMap<>();
        Map<Long, Long> testGc = new HashMap<>();
        Map<Long, Long> registryJit = new HashMap<>();
        forEachThread(SELF, (tid, name, ticks) -> {
            if (isGatewayThread(name)) {
                gateway.put(tid, ticks);
            } else if (isJitThread(name)) {
                testJit.put(tid, ticks);
            } else if (isGcOrVmThread(name)) {
                testGc.put(tid, ticks);
            }
        });
        forEachThread(registryPid, (tid, name, ticks) -> {
            if (isJitThread(name)) {
                registryJit.put(tid, ticks);
            }
        });
        long[] machine = machine();
        return new Snapshot(System.nanoTime(), processTicks(SELF, false) * NANOS_PER_TICK, gateway, testJit, testGc,
                processTicks(registryPid, false) * NANOS_PER_TICK, registryJit, postgresTicks() * NANOS_PER_TICK,
                machine[0] * NANOS_PER_TICK, machine[1] * NANOS_PER_TICK);
    }

    static Usage between(Snapshot before, Snapshot after, long clientCpu) {
        return new Usage(after.wall() - before.wall(), after.testJvm() - before.testJvm(),
                delta(before.gateway(), after.gateway()), delta(before.testJit(), after.testJit()),
                delta(before.testGc(), after.testGc()), clientCpu, after.registry() - before.registry(),
                delta(before.registryJit(), after.registryJit()), after.postgres() - before.postgres(),
                after.machineBusy() - before.machineBusy(), after.machineTotal() - before.machineTotal());
    }

    /** Threads that started in between count from zero; threads that ended in between are lost (rare here). */
    private static long delta(Map<Long, Long> before, Map<Long, Long> after) {
        long ticks = 0;
        for (Map.Entry<Long, Long> thread : after.entrySet()) {
            ticks += Math.max(0, thread.getValue() - before.getOrDefault(thread.getKey(), 0L));
        }
        return ticks * NANOS_PER_TICK;
    }

    interface ThreadTicks {
        void accept(long tid, String name, long ticks);
    }

    private static void forEachThread(long pid, ThreadTicks consumer) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    consumer.accept(Long.parseLong(task.getFileName().toString()), name, ticks(stat, false));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            });
        } catch (IOException | RuntimeException e) {
            // the process ended
        }
    }

    /** The postmaster with every backend it runs (a backend that exited is in the postmaster's children's time). */
    private long postgresTicks() {
        try {
            long postmaster = Long.parseLong(Files.readAllLines(postgresPidFile).get(0).trim());
            long ticks = processTicks(postmaster, true);
            try (Stream<ProcessHandle> children = ProcessHandle.of(postmaster).map(ProcessHandle::children)
                    .orElse(Stream.empty())) {
                ticks += children.mapToLong(child -> processTicks(child.pid(), false)).sum();
            }
            return ticks;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** utime + stime of a process (all its threads), and with {@code children} the time of its reaped children. */
    static long processTicks(long pid, boolean children) {
        try {
            return ticks(Files.readString(Path.of("/proc", String.valueOf(pid), "stat")), children);
        } catch (IOException | RuntimeException e) {
            return 0; // gone
        }
    }

    private static long ticks(String stat, boolean children) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After "pid (comm) " the state is field 3 of proc(5): utime (14) is fields[11], stime [12], cutime [13], cstime [14].
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        if (children) {
            ticks += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
        }
        return ticks;
    }

    /** Busy and total ticks of all cores since boot (/proc/stat; iowait counts as idle). */
    private static long[] machine() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/stat"))) {
            String[] cpu = lines.filter(l -> l.startsWith("cpu ")).findFirst().orElseThrow().trim().split("\\s+");
            long user = Long.parseLong(cpu[1]), nice = Long.parseLong(cpu[2]), system = Long.parseLong(cpu[3]);
            long idle = Long.parseLong(cpu[4]), iowait = Long.parseLong(cpu[5]), irq = Long.parseLong(cpu[6]);
            long softirq = Long.parseLong(cpu[7]), steal = cpu.length > 8 ? Long.parseLong(cpu[8]) : 0;
            long busy = user + nice + system + irq + softirq + steal;
            return new long[] { busy, busy + idle + iowait };
        } catch (IOException | RuntimeException e) {
            return new long[] { 0, 0 };
        }
    }

    /** CPU of a whole process so far (all its threads), in nanoseconds; 0 once it is gone. */
    static long processNanos(long pid) {
        return processTicks(pid, false) * NANOS_PER_TICK;
    }

    /** CPU so far of a process's threads whose (15-character) names {@code names} accepts, in nanoseconds. */
    static long threadNanos(long pid, java.util.function.Predicate<String> names) {
        long[] ticks = {0};
        forEachThread(pid, (tid, name, threadTicks) -> {
            if (names.test(name)) {
                ticks[0] += threadTicks;
            }
        });
        return ticks[0] * NANOS_PER_TICK;
    }

    /** CPU so far of the PostgreSQL server whose postmaster.pid this is, with its backends, in nanoseconds. */
    static long postgresNanos(Path postgresPidFile) {
        return new Cpu(0, postgresPidFile).postgresTicks() * NANOS_PER_TICK;
    }

    /** Busy core-nanoseconds of the whole machine since boot. */
    static long machineBusyNanos() {
        return machine()[0] * NANOS_PER_TICK;
    }

    /** The kernel's USER_HZ (100 on every Linux one is likely to meet). */
    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            getconf.waitFor();
            return Long.parseLong(out);
        } catch (IOException | RuntimeException | InterruptedException e) {
            return 100;
        }
    }

    static double loadAverage() {
        return OS.getSystemLoadAverage();
    }

    static int cores() {
        return OS.getAvailableProcessors();
    }

    static long currentThreadCpu() {
        return THREADS.getCurrentThreadCpuTime();
    }
}
