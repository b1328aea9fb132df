package dev.imageregistry.snapshottool;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** snapshot-tool upload|download: how raw disk images get into (and out of) a Region's snapshots. */
@Command(name = "snapshot-tool", mixinStandardHelpOptions = true, version = "snapshot-tool 0.1.0",
        subcommands = { SnapshotTool.UploadCommand.class, SnapshotTool.DownloadCommand.class },
        description = "Uploads raw disk images as snapshots and downloads snapshots as raw files.")
public class SnapshotTool implements Callable<Integer> {

    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return 2;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new SnapshotTool()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("snapshot-tool: " + e.getMessage());
            return e instanceof SnapshotEndpoint.Refused ? 3 : 1;
        }).execute(args);
    }

    static class Connection {
        @Option(names = "--endpoint", description = "snapshot-service URL (env IMAGE_REGISTRY_SNAPSHOT_ENDPOINT)",
                defaultValue = "${env:IMAGE_REGISTRY_SNAPSHOT_ENDPOINT:-http://localhost:8082}")
        String endpoint;

        @Option(names = "--token", description = "bearer token of the account (env IMAGE_REGISTRY_TOKEN)",
                defaultValue = "${env:IMAGE_REGISTRY_TOKEN}")
        String token;

        @Option(names = "--concurrency", description = "parallel block transfers (default ${DEFAULT-VALUE})",
                defaultValue = "8")
        int concurrency;

        @Option(names = "--no-progress", description = "no progress bar")
        boolean noProgress;

        SnapshotEndpoint endpoint() {
            if (token == null || token.isBlank()) {
                throw new CommandLine.ParameterException(new CommandLine(this), "a token is required: --token or IMAGE_REGISTRY_TOKEN");
            }
            if (concurrency < 1 || concurrency > 256) {
                throw new IllegalArgumentException("--concurrency must be 1 to 256");
            }
            return new SnapshotEndpoint(endpoint, token);
        }
    }

    @Command(name = "upload", mixinStandardHelpOptions = true,
            description = "Uploads a raw disk image file as a snapshot; prints the snapshot ID.")
    static class UploadCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection;

        @Option(names = { "-f", "--file" }, required = true, description = "raw disk image to upload")
        Path file;

        @Option(names = "--parent", description = "parent snapshot: only blocks that differ from it are sent")
        String parent;

        @Option(names = "--description", description = "snapshot description")
        String description;

        @Option(names = "--volume-size", description = "volume size in GiB (default: the file's size rounded up)")
        Integer volumeSize;

        @Option(names = "--state-file", description = "resume state (default: <file>.upload-state)")
        Path stateFile;

        @Option(names = "--via-service", description = "send every block through the service (PutSnapshotBlock) "
                + "instead of straight to the object store with requests the service signs; for clients that cannot "
                + "reach the bucket's endpoint")
        boolean viaService;

        @Option(names = "--stop-after-blocks", hidden = true, defaultValue = "0",
                description = "stop after sending this many blocks, as an interruption would (for testing resume)")
        long stopAfterBlocks;

        @Override
        public Integer call() throws Exception {
            Upload.Result result = Upload.run(connection.endpoint(), new Upload.Options(file, parent, description,
                    connection.concurrency, stateFile, volumeSize, connection.noProgress ? null : System.err,
                    stopAfterBlocks, viaService));
            System.err.printf("%s: %d blocks sent (%d straight to the object store, %d already stored), %d skipped, "
                    + "%d resumed, %.1f s%n", result.status(), result.blocksSent(), result.blocksDirect(),
                    result.blocksAlreadyStored(), result.blocksSkipped(), result.blocksResumed(), result.seconds());
            System.out.println(result.snapshotId());
            return "completed".equals(result.status()) ? 0 : 1;
        }
    }

    @Command(name = "download", mixinStandardHelpOptions = true,
            description = "Downloads a snapshot into a (sparse) raw file.")
    static class DownloadCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection;

        @Option(names = { "-s", "--snapshot-id" }, required = true, description = "snapshot to download")
        String snapshotId;

        @Option(names = { "-f", "--file" }, required = true, description = "file to write")
        Path file;

        @Option(names = "--via-service", description = "read every block through the service (GetSnapshotBlock) "
                + "instead of straight from the object store with presigned URLs; for clients that cannot reach "
                + "the bucket's endpoint")
        boolean viaService;

        @Override
        public Integer call() throws Exception {
            Download.Result result = Download.run(connection.endpoint(), snapshotId, file, connection.concurrency,
                    connection.noProgress ? null : System.err, viaService);
            System.err.printf("downloaded %d blocks (%d straight from the object store), %d bytes, %.1f s%n",
                    result.blocks(), result.blocksDirect(), result.size(), result.seconds());
            return 0;
        }
    }
}
