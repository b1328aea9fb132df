package dev.imageregistry.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The snapshot-tool as a user runs it (a separate JVM), and the raw disks it uploads. */
final class SnapshotTool {
    static final int BLOCK = 512 * 1024;

    private SnapshotTool() {
    }

    static String upload(String snapshotEndpoint, String token, Path file) throws Exception {
        Process tool = tool("upload", "--endpoint", snapshotEndpoint, "--token", token, "--no-progress", "--file",
                file.toString());
        String out = new String(tool.getInputStream().readAllBytes()).trim();
        assertEquals(0, tool.waitFor(), "upload failed: " + out);
        String snapshotId = out.lines().reduce((first, last) -> last).orElseThrow();
        assertTrue(snapshotId.matches("snap-[0-9a-f]{17}"), out);
        return snapshotId;
    }

    static void download(String snapshotEndpoint, String token, String snapshotId, Path file) throws Exception {
        Process tool = tool("download", "--endpoint", snapshotEndpoint, "--token", token, "--no-progress",
                "--snapshot-id", snapshotId, "--file", file.toString());
        String out = new String(tool.getInputStream().readAllBytes());
        assertEquals(0, tool.waitFor(), "download failed: " + out);
    }

    private static Process tool(String... args) throws IOException {
        Path jar = root().resolve("snapshot-tool/target/snapshot-tool-0.1.0-SNAPSHOT.jar");
        List<String> command = new ArrayList<>(List.of(java(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** A raw disk of {@code mib} MiB that is empty but for {@code dataBlocks} random 512 KiB blocks. */
    static Path sparseDisk(Path file, int mib, int dataBlocks, Random random) throws IOException {
        try (RandomAccessFile disk = new RandomAccessFile(file.toFile(), "rw")) {
            disk.setLength((long) mib * 1024 * 1024);
            int blocks = mib * 2;
            for (int i = 0; i < dataBlocks; i++) {
                byte[] data = new byte[BLOCK];
                random.nextBytes(data);
                disk.seek((long) (i * (blocks / dataBlocks)) * BLOCK);
                disk.write(data);
            }
        }
        return file;
    }

    static void overwriteBlocks(Path file, List<Integer> indexes, Random random) throws IOException {
        try (RandomAccessFile disk = new RandomAccessFile(file.toFile(), "rw")) {
            for (int index : indexes) {
                byte[] data = new byte[BLOCK];
                random.nextBytes(data);
                disk.seek((long) index * BLOCK);
                disk.write(data);
            }
        }
    }

    static Path root() {
        return Path.of(System.getProperty("project.root", "../..")).toAbsolutePath().normalize();
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
