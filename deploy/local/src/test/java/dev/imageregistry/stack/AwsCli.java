package dev.imageregistry.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real aws command line (botocore's wire code, not ours), run as a user runs it with the stack's config and
 * credentials files: {@code AWS_CONFIG_FILE=… AWS_SHARED_CREDENTIALS_FILE=… aws --profile a …}.
 */
final class AwsCli {
    record Run(int exit, String out, String err) {
        String text() {
            return out.trim();
        }
    }

    private final Path dataDir;
    private final String executable;
    private final List<String> endpoint;

    /**
     * {@code endpoint} is the stack's AWS endpoint, given on the command line only to a CLI too old to read
     * {@code endpoint_url} from a profile (before 1.29 and 2.13, such as Debian's 2.9): newer ones are run exactly
     * as the walkthrough shows.
     */
    AwsCli(Path dataDir, String endpoint) {
        this.dataDir = dataDir;
        this.executable = find();
        this.endpoint = readsEndpointFromProfiles(version()) ? List.of() : List.of("--endpoint-url", endpoint);
    }

    private String version() {
        Run run = execute(List.of(executable, "--version"));
        return (run.out() + run.err()).trim();
    }

    static boolean readsEndpointFromProfiles(String version) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("aws-cli/(\\d+)\\.(\\d+)").matcher(version);
        if (!m.find()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major == 1 ? minor >= 29 : major >= 2 && (major > 2 || minor >= 13);
    }

    /** The {@code aws} on the PATH, or pyenv's where the PATH of a non-interactive shell lacks it. */
    private static String find() {
        List<String> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            candidates.add(dir + "/aws");
        }
        candidates.add(System.getProperty("user.home") + "/.pyenv/shims/aws");
        candidates.add("/usr/bin/aws");
        for (String candidate : candidates) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("the aws command line is not installed (.ci/run installs Debian's awscli)");
    }

    Run run(String... args) {
        List<String> command = new ArrayList<>(List.of(executable));
        command.addAll(endpoint);
        command.addAll(List.of(args));
        return execute(command);
    }

    /**
     * A Python script run with the Python next to this {@code aws} (pyenv's, or Debian's, where .ci/run installs
     * boto3), with the stack's profiles as the CLI has them.
     */
    Run python(Path script, String... args) {
        Path python = Path.of(executable).resolveSibling("python3");
        List<String> command = new ArrayList<>(List.of(Files.isExecutable(python) ? python.toString() : "python3",
                script.toString()));
        command.addAll(List.of(args));
        return execute(command);
    }

    private Run execute(List<String> command) {
        String[] args = command.toArray(String[]::new);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("AWS_CONFIG_FILE", dataDir.resolve("aws/config").toString());
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", dataDir.resolve("aws/credentials").toString());
        builder.environment().put("AWS_PAGER", "");
        builder.environment().remove("AWS_ACCESS_KEY_ID");
        builder.environment().remove("AWS_SECRET_ACCESS_KEY");
        builder.environment().remove("AWS_PROFILE");
        try {
            Process process = builder.start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String out = read(process.getInputStream());
            if (!process.waitFor(300, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("aws " + String.join(" ", args) + " did not finish in 300 s");
            }
            return new Run(process.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new AssertionError("could not run aws", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs a command that must succeed; its standard output. */
    String ok(String... args) {
        Run run = run(args);
        assertEquals(0, run.exit(), () -> "aws " + String.join(" ", args) + "\n" + run.err() + run.out());
        return run.text();
    }

    /** Runs a command that must fail with an AWS error code; its message. */
    String fails(String code, String... args) {
        Run run = run(args);
        assertNotEquals(0, run.exit(), () -> "aws " + String.join(" ", args) + " succeeded: " + run.out());
        assertTrue(run.err().contains("(" + code + ")"), () -> "expected " + code + " from aws " + String.join(" ", args)
                + ", got: " + run.err());
        return run.err();
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
