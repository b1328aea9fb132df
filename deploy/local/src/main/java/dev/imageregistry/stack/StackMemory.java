package dev.imageregistry.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Resident memory of this process and every process it started (Linux /proc), to report the stack's footprint. */
final class StackMemory {
    private StackMemory() {
    }

    static long residentMiB() {
        return processes().mapToLong(StackMemory::residentKiB).sum() / 1024;
    }

    static long processCount() {
        return processes().count();
    }

    private static Stream<ProcessHandle> processes() {
        return Stream.concat(Stream.of(ProcessHandle.current()), ProcessHandle.current().descendants());
    }

    private static long residentKiB(ProcessHandle process) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended meanwhile, or this is not Linux
        }
        return 0;
    }
}
