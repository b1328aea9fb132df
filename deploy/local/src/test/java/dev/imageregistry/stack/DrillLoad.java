package dev.imageregistry.stack;

import static dev.imageregistry.stack.RegionClient.LAUNCH;
import static dev.imageregistry.stack.RegionClient.REGISTRY;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.stack.RegionClient.Answer;

/**
 * The fault drill's load (FaultDrill): clients of account A (uploading, registering and sharing) and B (launching
 * what A shared), until stopped, each answer counted as accepted, refused, throttled, unreached or unknown.
 */
final class DrillLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final int BLOCK = 524_288;

    private final RegionClient east;
    /** Account A's and B's bearer tokens. */
    private final String a;
    private final String b;
    final String prefix;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    final List<String> images = Collections.synchronizedList(new ArrayList<>());
    final List<String> shared = Collections.synchronizedList(new ArrayList<>());
    final List<String> instances = Collections.synchronizedList(new ArrayList<>());
    final List<String> duplicateNames = Collections.synchronizedList(new ArrayList<>());
    /** Completed uploads: snapshot ID → the SHA-256 (base64) of the block it holds. */
    final Map<String, String> snapshots = new java.util.concurrent.ConcurrentHashMap<>();
    private final ThreadLocal<java.util.Random> random = ThreadLocal.withInitial(java.util.Random::new);
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger unreached = new AtomicInteger();
    final AtomicInteger unknown = new AtomicInteger();
    final AtomicInteger throttled = new AtomicInteger();
    /** The refusals by status and code (printed with the case). */
    final Map<String, Integer> refusals = new java.util.concurrent.ConcurrentHashMap<>();
    /** The first few unknown outcomes, as they were seen (printed with the case). */
    final List<String> unknowns = Collections.synchronizedList(new ArrayList<>());
    private final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());

    DrillLoad(RegionClient east, String a, String b, String prefix) {
        this.east = east;
        this.a = a;
        this.b = b;
        this.prefix = "drill-" + prefix + "-" + Long.toHexString(System.nanoTime());
    }

    void start(int clients) {
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                try {
                    for (int n = 0; running.get(); n++) {
                        step(prefix + "-" + client + "-" + n);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "drill-client-" + c);
            threads.add(thread);
            thread.start();
        }
    }

    int accepted() {
        return snapshots.size() + images.size() + shared.size() + instances.size();
    }

    void awaitAccepted(int count) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertTrue(failures.isEmpty(), () -> "a client failed: " + failures);
            return accepted() >= count;
        });
    }

    void stop() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(120_000);
        }
        assertTrue(failures.isEmpty(), () -> "a client failed: " + failures);
    }

    /**
     * Upload a one-block snapshot, register an image over it, refuse a second image of the same name, share,
     * launch: each answer noted.
     */
    void step(String name) {
        String snapshot = upload();
        if (snapshot == null) {
            return;
        }
        Answer registered = null;
        // The registry learns of the snapshot from snapshot-events: A may have to ask again.
        for (int attempt = 0; attempt < 200 && running.get(); attempt++) {
            registered = call(() -> east.post(REGISTRY, "/images", a, registration(name, snapshot)),
                    "InvalidSnapshot.NotFound");
            if (registered == null || !List.of("InvalidSnapshot.NotFound", "RequestLimitExceeded")
                    .contains(String.valueOf(registered.code()))) {
                break;
            }
            pause(100);
        }
        if (registered == null || registered.status() != 200) {
            return;
        }
        String image = registered.body().path("ImageId").asText();
        images.add(image);
        Answer duplicate = call(() -> east.post(REGISTRY, "/images", a, registration(name, snapshot)));
        if (duplicate != null && duplicate.status() == 400) {
            assertEquals("InvalidAMIName.Duplicate", duplicate.code(), duplicate.body().toString());
            duplicateNames.add(name);
        }
        Answer share = call(() -> east.post(REGISTRY, "/images/" + image + "/attributes", a,
                "{\"LaunchPermission\":{\"Add\":[{\"UserId\":\"" + LocalStackIT.B + "\"}]}}"));
        if (share == null || share.status() != 200) {
            return;
        }
        shared.add(image);
        // The launch-service learns of the share from image-events: B may have to ask again.
        for (int attempt = 0; attempt < 200 && running.get(); attempt++) {
            Answer launched = call(() -> east.post(LAUNCH, "/instances", b, "{\"ImageId\":\"" + image
                    + "\",\"MinCount\":1,\"MaxCount\":1,\"InstanceType\":\"t3.micro\"}"), "InvalidAMIID.NotFound");
            if (launched != null && launched.status() == 200) {
                instances.addAll(launched.body().path("Instances").findValuesAsText("InstanceId"));
                return;
            }
            if (launched != null && !List.of("InvalidAMIID.NotFound", "RequestLimitExceeded")
                    .contains(String.valueOf(launched.code()))) {
                return;
            }
            pause(100);
        }
    }

    /**
     * The answer, or null when there was none: a refused connection reached nothing; a broken one leaves the
     * outcome unknown. A 4xx with an error code is a refusal; a 5xx is counted as unknown.
     */
    private Answer call(java.util.function.Supplier<Answer> request) {
        return call(request, null);
    }

    /** {@code notYet}: the error code of an answer that only says "not known here yet" (asked again). */
    private Answer call(java.util.function.Supplier<Answer> request, String notYet) {
        try {
            Answer answer = request.get();
            if ("RequestLimitExceeded".equals(answer.code())) {
                // Throttled (503): EC2's refusal that did nothing; the SDKs back off and ask again.
                throttled.incrementAndGet();
                pause(500);
                return answer;
            }
            if (answer.status() >= 500) {
                unknown(answer.status() + " " + answer.body());
                return null;
            }
            // 2xx: EC2's calls answer 200, EBS's 201 (a block stored, a snapshot started) and 202 (completed).
            if (answer.status() / 100 != 2 && (notYet == null || !notYet.equals(answer.code()))) {
                refused.incrementAndGet();
                refusals.merge(answer.status() + " " + answer.code(), 1, Integer::sum);
            }
            return answer;
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof ConnectException) {
                unreached.incrementAndGet();
                pause(200);
            } else {
                unknown(String.valueOf(e.getMessage()));
            }
            return null;
        }
    }

    private void unknown(String why) {
        if (unknown.incrementAndGet() <= 3) {
            unknowns.add(why.length() > 300 ? why.substring(0, 300) : why);
        }
    }

    /**
     * StartSnapshot, PutSnapshotBlock of fresh random bytes at block 0 (a new object in the bucket) and
     * CompleteSnapshot on the snapshot-service's EBS wire: the completed snapshot's ID, or null.
     */
    /** An image over a fresh upload, registered (the load's first two steps, for the races). */
    String registered(String name) {
        String snapshot = upload();
        assertTrue(snapshot != null, "the upload for " + name + " completed");
        JsonNode[] registered = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                registered[0] = FaultDrill.ok(east.post(REGISTRY, "/images", a, registration(name, snapshot))));
        String image = registered[0].path("ImageId").asText();
        images.add(image);
        return image;
    }

    private String upload() {
        byte[] block = new byte[BLOCK];
        random.get().nextBytes(block);
        String checksum = sha256(block);
        byte[] start = ("{\"VolumeSize\":1,\"ClientToken\":\"" + java.util.UUID.randomUUID() + "\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Answer started = call(() -> ebs("POST", "/snapshots", start, Map.of("Content-Type", "application/json")));
        if (started == null || started.status() != 201) {
            return null;
        }
        String snapshot = started.body().path("SnapshotId").asText();
        Answer put = call(() -> ebs("PUT", "/snapshots/" + snapshot + "/blocks/0", block, Map.of("x-amz-Checksum",
                checksum, "x-amz-Checksum-Algorithm", "SHA256", "x-amz-Data-Length", String.valueOf(BLOCK))));
        if (put == null || put.status() != 201) {
            return null;
        }
        Answer completed = call(() -> ebs("POST", "/snapshots/completion/" + snapshot, new byte[0],
                Map.of("x-amz-ChangedBlocksCount", "1")));
        if (completed == null || completed.status() != 202
                || !"completed".equals(completed.body().path("Status").asText())) {
            return null;
        }
        snapshots.put(snapshot, checksum);
        return snapshot;
    }

    private String registration(String name, String snapshot) {
        return "{\"Name\":\"" + name + "\",\"Architecture\":\"x86_64\",\"RootDeviceName\":\"/dev/xvda\","
                + "\"VirtualizationType\":\"hvm\",\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/xvda\","
                + "\"Ebs\":{\"SnapshotId\":\"" + snapshot + "\",\"VolumeSize\":1,\"DeleteOnTermination\":true}}]}";
    }

    /** A call of the snapshot-service's EBS wire as A, answered as RegionClient answers (its body as JSON). */
    private Answer ebs(String method, String path, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(east.endpoint(RegionClient.SNAPSHOT) + path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + a)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body().isBlank() ? JSON.createObjectNode()
                    : JSON.readTree(response.body()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] data) {
        try {
            return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pause(long millis) {
        try {
            // A client backing off before it asks again (as the SDKs do), not a wait for an effect.
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
