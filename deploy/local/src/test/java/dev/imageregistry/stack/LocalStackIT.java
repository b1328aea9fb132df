package dev.imageregistry.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run command as a user runs it: two Regions, four services each, all ready, reachable with the printed
 * tokens; Ctrl-C (SIGINT) stops every process it started; a second start over the same data directory resumes.
 */
class LocalStackIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    @Test
    void twoRegionsComeUpAnswerAndLeaveNothingBehindOnCtrlC() throws Exception {
        int portBase = 20000 + (int) (ProcessHandle.current().pid() % 300) * 100;
        for (int run = 1; run <= 2; run++) {
            Path output = dataDir.resolve("run-" + run + ".out");
            Process stack = start(portBase, output);
            try {
                await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    assertTrue(stack.isAlive(), () -> "the stack exited: " + read(output));
                    return read(output).contains("LOCAL STACK READY");
                });
                List<ProcessHandle> started = stack.descendants().toList();
                assertTrue(started.size() >= 8 + 2, "8 service JVMs and 2 S3 servers, got " + started.size());

                Map<String, String> tokens = Files.readAllLines(dataDir.resolve("tokens.env")).stream()
                        .map(line -> line.split("=", 2)).collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
                for (int region = 0; region < 2; region++) {
                    for (int service = 1; service <= 4; service++) {
                        String endpoint = "http://127.0.0.1:" + (portBase + 100 * region + service);
                        assertEquals(200, get(endpoint + "/q/health/ready", null).statusCode(), endpoint);
                        HttpResponse<String> identity = get(endpoint + "/caller-identity", tokens.get("TOKEN_B"));
                        assertEquals(200, identity.statusCode(), identity.body());
                        assertTrue(identity.body().contains("\"Account\":\"222222222222\""), identity.body());
                        assertTrue(identity.body().contains(region == 0 ? "us-east-1" : "eu-west-1"), identity.body());
                    }
                }

                // Ctrl-C
                new ProcessBuilder("kill", "-INT", String.valueOf(stack.pid())).start().waitFor();
                assertTrue(stack.waitFor(120, TimeUnit.SECONDS), "the stack did not stop on SIGINT");
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertEquals(List.of(), started.stream().filter(ProcessHandle::isAlive)
                                .map(p -> p.pid() + " " + p.info().command().orElse("?")).toList()));
                assertTrue(read(output).contains("[local-stack] stopped"));
            } finally {
                stack.descendants().forEach(ProcessHandle::destroyForcibly);
                stack.destroyForcibly();
            }
        }
    }

    private Process start(int portBase, Path output) throws IOException {
        Path root = Path.of(System.getProperty("project.root", "../..")).toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-cp", System.getProperty("java.class.path"), LocalStack.class.getName(),
                "--data-dir", dataDir.toString(), "--port-base", String.valueOf(portBase),
                "--project-root", root.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
