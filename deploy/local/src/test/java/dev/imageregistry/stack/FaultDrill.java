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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.stack.RegionClient.Answer;

/**
 * Nothing lost when a process dies (issue #17), on the running two-Region stack: while clients register images,
 * share them and launch them, one process is killed with SIGKILL; the stack's supervisor starts it again; then every
 * answer the clients got is checked against what the system holds. Per case:
 * <ul>
 * <li>every registration, share and launch that was answered 200 is there (the image available and described,
 * shared with B, the instances described), and a registration refused with an error code (a duplicate name) made
 * nothing;</li>
 * <li>the topics of both Regions are a history: per aggregate, versions 1..n, each version one event (an event
 * sent twice by a relay that died before it noted the send has the same ID: a duplicate the consumers absorb,
 * counted), and each accepted image was registered by exactly one event;</li>
 * <li>the registry's image view equals its rebuild from the topic.</li>
 * </ul>
 * A call whose connection was refused reached nothing; one whose connection broke after it was sent has an unknown
 * outcome (counted, not checked: EC2's RegisterImage has no client token to ask again with).
 */
final class FaultDrill {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> TOPICS = List.of("image-events", "snapshot-events", "instance-events",
            "copy-events");

    /** One case's line of the table. */
    record Result(String fault, long recoveredMillis, int accepted, int refused, int throttled, int unreached,
            int unknown, int eventsChecked, int duplicatesAbsorbed) {
        static final List<String> HEADER = List.of("| fault (under load) | recovered | accepted | refused | throttled "
                + "| unreached | unknown | events checked | duplicates absorbed |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|");

        String row() {
            return String.format("| %s | %.1f s | %d | %d | %d | %d | %d | %d | %d |", fault, recoveredMillis / 1000.0,
                    accepted, refused, throttled, unreached, unknown, eventsChecked, duplicatesAbsorbed);
        }
    }

    private final ProcessHandle stack;
    private final RegionClient east;
    private final int portBase;
    private final Map<String, String> kafkaByRegion;
    private final String a;
    private final String b;
    private final String operator;
    private final String snapshotId;
    private final Map<String, String> tokens;

    FaultDrill(ProcessHandle stack, int portBase, Map<String, String> kafkaByRegion, Map<String, String> tokens,
            String snapshotId) {
        this.stack = stack;
        this.portBase = portBase;
        this.east = new RegionClient(portBase);
        this.kafkaByRegion = kafkaByRegion;
        this.a = tokens.get("TOKEN_A");
        this.b = tokens.get("TOKEN_B");
        this.operator = tokens.get("TOKEN_OPERATOR");
        this.snapshotId = snapshotId;
        this.tokens = tokens;
    }

    /** Kills {@code region}'s {@code service} under load, waits for its restart, and checks everything. */
    Result kill(String region, String service) throws Exception {
        String name = ServiceProcess.name(region, service);
        Load load = new Load(name.replaceAll("[^a-z0-9]", "-"));
        load.start(2);
        load.awaitAccepted(6);
        ProcessHandle victim = process(name);
        long killed = System.nanoTime();
        victim.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no offset commit
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            ProcessHandle now = processOrNull(name);
            return now != null && now.pid() != victim.pid() && ready(region, service);
        });
        long recovered = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("fault drill, " + name + " restarted after " + recovered + " ms");
        load.awaitAccepted(load.accepted() + 6);
        load.stop();
        checkAnswers(load);
        int[][] events = new int[1][];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> events[0] = checkTopics(load.images));
        checkRebuild();
        checkBlocks();
        load.unknowns.forEach(why -> System.out.println("fault drill, " + name + ": an unknown outcome: " + why));
        return new Result("SIGKILL of " + name, recovered, load.accepted(), load.refused.get(), load.throttled.get(),
                load.unreached.get(),
                load.unknown.get(), events[0][0], events[0][1]);
    }

    /**
     * The same events delivered twice: an image's whole history on image-events is published again, byte for byte
     * (as a relay that died after sending and before noting it sends again). A later event of the image (a share
     * with C, the same partition) shows when the consumers are past the copies; every view is as before, and the
     * launch-service's view equals its rebuild.
     */
    Result redeliver() throws Exception {
        Load load = new Load("redelivery");
        load.step(load.prefix);
        assertEquals(1, load.instances.size(), "the image to redeliver was registered, shared and launched");
        String image = load.images.get(0);
        List<String> before = imageViews();
        List<ConsumerRecord<String, String>> history;
        try (TopicTap tap = new TopicTap(kafkaByRegion.get("us-east-1"), "image-events")) {
            history = tap.recordsToEnd().stream().filter(r -> image.equals(r.key())).toList();
        }
        long started = System.nanoTime();
        history.forEach(r -> TopicTap.publish(kafkaByRegion.get("us-east-1"), "image-events", r.key(), r.value()));
        ok(east.post(REGISTRY, "/images/" + image + "/attributes", a,
                "{\"LaunchPermission\":{\"Add\":[{\"UserId\":\"" + LocalStackIT.C + "\"}]}}"));
        String c = tokens.get("TOKEN_C");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> east.post(LAUNCH,
                "/instances", c, "{\"ImageId\":\"" + image + "\",\"MinCount\":1,\"MaxCount\":1,"
                + "\"InstanceType\":\"t3.micro\"}").status() == 200);
        long absorbed = (System.nanoTime() - started) / 1_000_000;
        assertEquals(before, imageViews(), "the views after the copies (C's share is not in A's and B's)");
        List<String> launchable = launchAnswers(image);
        ok(east.post(LAUNCH, "/admin/read-models/launchable-images/rebuild", operator, null));
        assertEquals(launchable, launchAnswers(image), "the launch-service's view after its rebuild");
        int[][] events = new int[1][];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> events[0] = checkTopics(load.images));
        checkRebuild();
        return new Result("an image's " + history.size() + " events on image-events delivered again", absorbed,
                load.accepted() + 1, load.refused.get(), load.throttled.get(), 0, 0, events[0][0], events[0][1]);
    }

    /** Who may launch the image, as the launch-service decides it (a launch each: the instances are kept). */
    private List<String> launchAnswers(String image) {
        List<String> answers = new ArrayList<>();
        for (String account : List.of("TOKEN_A", "TOKEN_B", "TOKEN_C")) {
            Answer launched = east.post(LAUNCH, "/instances", tokens.get(account), "{\"ImageId\":\"" + image
                    + "\",\"MinCount\":1,\"MaxCount\":1,\"InstanceType\":\"t3.micro\"}");
            answers.add(account + " " + launched.status() + " " + launched.code());
        }
        return answers;
    }

    // --- the load

    /** Clients of account A (registering and sharing) and B (launching what A shared), until stopped. */
    private final class Load {
        private final String prefix;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        final List<String> images = Collections.synchronizedList(new ArrayList<>());
        final List<String> shared = Collections.synchronizedList(new ArrayList<>());
        final List<String> instances = Collections.synchronizedList(new ArrayList<>());
        final List<String> duplicateNames = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger unreached = new AtomicInteger();
        final AtomicInteger unknown = new AtomicInteger();
        final AtomicInteger throttled = new AtomicInteger();
        /** The first few unknown outcomes, as they were seen (printed with the case). */
        final List<String> unknowns = Collections.synchronizedList(new ArrayList<>());
        private final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());

        Load(String prefix) {
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
            return images.size() + shared.size() + instances.size();
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

        /** Register, refuse a second image of the same name, share, launch: each answer noted. */
        private void step(String name) {
            Answer registered = call(() -> east.post(REGISTRY, "/images", a, registration(name)));
            if (registered == null || registered.status() != 200) {
                return;
            }
            String image = registered.body().path("ImageId").asText();
            images.add(image);
            Answer duplicate = call(() -> east.post(REGISTRY, "/images", a, registration(name)));
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
                if (answer.status() != 200 && (notYet == null || !notYet.equals(answer.code()))) {
                    refused.incrementAndGet();
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

        private String registration(String name) {
            return "{\"Name\":\"" + name + "\",\"Architecture\":\"x86_64\",\"RootDeviceName\":\"/dev/xvda\","
                    + "\"VirtualizationType\":\"hvm\",\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/xvda\","
                    + "\"Ebs\":{\"SnapshotId\":\"" + snapshotId + "\",\"VolumeSize\":1,\"DeleteOnTermination\":true}}]}";
        }
    }

    // --- the invariants

    /**
     * Both Regions' topics: per aggregate a gapless history of versions, each version one event ID; every accepted
     * image registered by one event; a refused duplicate name registered once. Answers {events checked, duplicates}.
     */
    private int[] checkTopics(List<String> acceptedImages) {
        int checked = 0;
        int duplicates = 0;
        Map<String, Set<String>> registrationsByImage = new HashMap<>(); // the event IDs registering each image
        for (Map.Entry<String, String> region : kafkaByRegion.entrySet()) {
            for (String topic : TOPICS) {
                try (TopicTap tap = new TopicTap(region.getValue(), topic)) {
                    List<ConsumerRecord<String, String>> records = tap.recordsToEnd();
                    Map<String, Map<Long, String>> versions = new HashMap<>();
                    for (ConsumerRecord<String, String> record : records) {
                        JsonNode event = read(record.value());
                        String id = event.path("id").asText();
                        long version = event.path("aggregateversion").asLong();
                        // Each producer keeps its own history of an aggregate (the registry's copy request and the
                        // replicator's copy events share the copy's key).
                        String aggregate = event.path("source").asText() + " " + record.key();
                        String before = versions.computeIfAbsent(aggregate, k -> new HashMap<>()).putIfAbsent(version, id);
                        if (before != null) {
                            assertEquals(before, id, region.getKey() + " " + topic + ": two events are version "
                                    + version + " of " + aggregate);
                            duplicates++;
                        }
                        if (topic.equals("image-events") && region.getKey().equals("us-east-1")
                                && event.path("type").asText().equals("ImageRegistered")) {
                            registrationsByImage.computeIfAbsent(record.key(), k -> new TreeSet<>()).add(id);
                        }
                        checked++;
                    }
                    versions.forEach((key, history) -> {
                        TreeSet<Long> held = new TreeSet<>(history.keySet());
                        assertEquals(held.size(), held.last() - held.first() + 1, region.getKey() + " " + topic
                                + ": the history of " + key + " has a gap: " + held);
                    });
                }
            }
        }
        for (String image : acceptedImages) {
            assertEquals(1, registrationsByImage.getOrDefault(image, Set.of()).size(), image
                    + " is registered by one event");
        }
        return new int[] { checked, duplicates };
    }

    /** Every accepted answer holds in the views: the images, B's view of the shares, the instances. */
    private void checkAnswers(Load load) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Set<String> owned = ids(ok(east.get(REGISTRY, "/images?Owner=" + LocalStackIT.A, a)).path("Images"),
                    "ImageId");
            assertTrue(owned.containsAll(load.images), "accepted registrations missing from the view");
            Set<String> executable = ids(ok(east.get(REGISTRY, "/images?ExecutableBy=self", b)).path("Images"),
                    "ImageId");
            assertTrue(executable.containsAll(load.shared), "accepted shares missing from B's view");
            if (!load.instances.isEmpty()) {
                String query = load.instances.stream().map(id -> "InstanceId=" + id).collect(Collectors.joining("&"));
                JsonNode described = ok(east.get(LAUNCH, "/instances?" + query, b));
                assertEquals(new TreeSet<>(load.instances), new TreeSet<>(described.findValuesAsText("InstanceId")));
            }
        });
        List<String> names = ok(east.get(REGISTRY, "/images?Owner=" + LocalStackIT.A, a)).path("Images")
                .findValuesAsText("Name");
        for (String name : load.duplicateNames) {
            assertEquals(1, Collections.frequency(names, name), "a refused duplicate made a second image: " + name);
        }
    }

    /**
     * The images are available over the drill's snapshot: each of its blocks reads back through the snapshot-service
     * with the SHA-256 its listing gives (the bucket still holds every object, unchanged).
     */
    private void checkBlocks() throws Exception {
        JsonNode blocks = ok(east.get(RegionClient.SNAPSHOT, "/snapshots/" + snapshotId + "/blocks", a)).path("Blocks");
        assertTrue(blocks.size() > 0, blocks.toString());
        for (JsonNode block : blocks) {
            HttpResponse<byte[]> read = HTTP.send(HttpRequest.newBuilder(URI.create(east.endpoint(RegionClient.SNAPSHOT)
                    + "/snapshots/" + snapshotId + "/blocks/" + block.path("BlockIndex").asInt()))
                    .header("Authorization", "Bearer " + a).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, read.statusCode());
            assertEquals(block.path("Checksum").asText(), java.util.Base64.getEncoder().encodeToString(
                    java.security.MessageDigest.getInstance("SHA-256").digest(read.body())), "block "
                    + block.path("BlockIndex") + " of " + snapshotId);
        }
    }

    /** The registry's image view, as A and B see it, equals what a rebuild from image-events gives. */
    private void checkRebuild() {
        List<String> before = imageViews();
        ok(east.post(REGISTRY, "/admin/read-models/images/rebuild", operator, null));
        assertEquals(before, imageViews(), "the image view after its rebuild");
    }

    private List<String> imageViews() {
        return List.of(views(east.get(REGISTRY, "/images?Owner=" + LocalStackIT.A, a)),
                views(east.get(REGISTRY, "/images?ExecutableBy=self", b)));
    }

    /** LastLaunchedTime moves with every launch that lands meanwhile, so the comparison leaves it out. */
    private static String views(Answer answer) {
        JsonNode images = ok(answer).path("Images").deepCopy();
        images.forEach(image -> ((com.fasterxml.jackson.databind.node.ObjectNode) image).remove("LastLaunchedTime"));
        return images.toString();
    }

    // --- the processes

    private ProcessHandle process(String name) {
        ProcessHandle found = processOrNull(name);
        assertTrue(found != null, "no process " + name + " under the stack");
        return found;
    }

    private ProcessHandle processOrNull(String name) {
        String argument = "-Dimage-registry.process=" + name;
        return stack.descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(args -> List.of(args).contains(argument)).orElse(false))
                .findFirst().orElse(null);
    }

    private boolean ready(String region, String service) {
        int regionOffset = region.equals("us-east-1") ? 0 : 100;
        int port = portBase + regionOffset + (service.equals(LocalStack.GATEWAY) ? 0
                : LocalStack.SERVICES.indexOf(service) + 1);
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // --- small things

    private static JsonNode ok(Answer answer) {
        assertEquals(200, answer.status(), answer.body().toString());
        return answer.body();
    }

    private static Set<String> ids(JsonNode items, String field) {
        return new TreeSet<>(items.findValuesAsText(field));
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON on a topic: " + json, e);
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
