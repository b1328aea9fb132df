package dev.imageregistry.snapshottool;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What an interrupted upload already did: an append-only text file whose first line names the snapshot and the
 * source file, followed by one "index checksum" line per block the service acknowledged. A torn last line (the
 * tool was killed mid-write) is ignored: that block is simply sent again.
 */
public final class UploadState implements AutoCloseable {
    private final Path path;
    private final String snapshotId;
    private final ConcurrentSkipListMap<Integer, String> written = new ConcurrentSkipListMap<>();
    private final BufferedWriter log;

    private UploadState(Path path, String snapshotId, Map<Integer, String> written, BufferedWriter log) {
        this.path = path;
        this.snapshotId = snapshotId;
        this.written.putAll(written);
        this.log = log;
    }

    static String header(String snapshotId, Path file, long size, String parent) {
        return "snapshot=" + snapshotId + " size=" + size + " parent=" + Objects.toString(parent, "-") + " file="
                + file.toAbsolutePath().normalize();
    }

    /** The state of an earlier run for the same file and parent, if any. */
    public static UploadState resume(Path path, Path file, long size, String parent) {
        if (!Files.exists(path)) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return null;
            }
            String snapshotId = lines.get(0).split(" ")[0].substring("snapshot=".length());
            if (!lines.get(0).equals(header(snapshotId, file, size, parent))) {
                throw new IllegalStateException("the state file " + path + " belongs to another upload; remove it to start over");
            }
            Map<Integer, String> written = new ConcurrentSkipListMap<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] parts = line.split(" ");
                if (parts.length == 2 && parts[1].length() == 44) {
                    written.put(Integer.parseInt(parts[0]), parts[1]);
                }
            }
            return new UploadState(path, snapshotId, written, Files.newBufferedWriter(path, StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static UploadState create(Path path, String snapshotId, Path file, long size, String parent) {
        try {
            BufferedWriter log = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
            log.write(header(snapshotId, file, size, parent));
            log.newLine();
            log.flush();
            return new UploadState(path, snapshotId, Map.of(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String snapshotId() {
        return snapshotId;
    }

    public boolean done(int index) {
        return written.containsKey(index);
    }

    public synchronized void record(int index, String checksum) {
        written.put(index, checksum);
        try {
            log.write(index + " " + checksum);
            log.newLine();
            log.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every block written, by index: what the aggregate checksum covers. */
    public Map<Integer, String> written() {
        return written;
    }

    public void finish() {
        close();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            log.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
