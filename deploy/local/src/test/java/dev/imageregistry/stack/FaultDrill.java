package dev.imageregistry.stack;

import static dev.imageregistry.stack.RegionClient.LAUNCH;
import static dev.imageregistry.stack.RegionClient.REGISTRY;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.stack.RegionClient.Answer;

/**
 * Nothing lost when a process dies (issue #17), on the running two-Region stack: while clients upload snapshots,
 * register images over them, share them and launch them ({@link DrillLoad}), one process is killed with SIGKILL;
 * the stack's supervisor starts it again; then every answer the clients got is checked against what the system
 * holds. Per case:
 * <ul>
 * <li>every upload, registration, share and launch that was accepted (2xx) is there (the image described, shared
 * with B, the instances described, the upload's block read back whole), and a registration refused with an error
 * code (a duplicate name) made nothing;</li>
 * <li>the topics of both Regions are a history: per producer and aggregate, versions without a gap, each version one
 * event (an event sent twice by a relay that died before it noted the send has the same ID: a duplicate the
 * consumers absorb, counted), and each accepted image was registered by exactly one event;</li>
 * <li>the registry's image view equals its rebuild from the topic.</li>
 * </ul>
 * A call whose connection was refused reached nothing; one whose connection broke after it was sent has an unknown
 * outcome (counted, not checked: EC2's RegisterImage has no client token to ask again with).
 */
final class FaultDrill implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> TOPICS = List.of("image-events", "snapshot-events", "instance-events",
            "copy-events");

    /** One case's line of the table. */
    record Result(String fault, long recoveredMillis, int accepted, int refused, int throttled, int unreached,
            int unknown, int eventsChecked, int duplicatesAbsorbed) {
        static final List<String> HEADER = List.of("| fault (under load) | recovered | accepted | refused "
                + "| throttled | unreached | unknown | events checked | duplicates absorbed |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|");

        String row() {
            return String.format("| %s | %.1f s | %d | %d | %d | %d | %d | %d | %d |", fault, recoveredMillis / 1000.0,
                    accepted, refused, throttled, unreached, unknown, eventsChecked, duplicatesAbsorbed);
        }
    }

    private final ProcessHandle stack;
    /** The stack's data directory: it tells this stack's S3 and PostgreSQL servers from another run's. */
    private final java.nio.file.Path dataDir;
    private final RegionClient east;
    private final int portBase;
    private final Map<String, String> kafkaByRegion;
    private final Map<String, String> s3ByRegion;
    private final String a;
    private final String b;
    private final String operator;
    private final Map<String, String> tokens;
    /** One reader per Region and topic for the whole drill: each check reads only what is new since the last. */
    private final Map<String, TopicTap> taps = new HashMap<>();

    FaultDrill(ProcessHandle stack, java.nio.file.Path dataDir, int portBase, Map<String, String> kafkaByRegion,
            Map<String, String> tokens, Map<String, String> s3ByRegion) {
        this.stack = stack;
        this.dataDir = dataDir;
        this.portBase = portBase;
        this.east = new RegionClient(portBase);
        this.kafkaByRegion = kafkaByRegion;
        this.a = tokens.get("TOKEN_A");
        this.b = tokens.get("TOKEN_B");
        this.operator = tokens.get("TOKEN_OPERATOR");
        this.s3ByRegion = s3ByRegion;
        this.tokens = tokens;
    }

    /** Kills {@code region}'s {@code service} under load, waits for its restart, and checks everything. */
    Result kill(String region, String service) throws Exception {
        String argument = "-Dimage-registry.process=" + ServiceProcess.name(region, service);
        return kill(ServiceProcess.name(region, service), args -> args.contains(argument), () -> ready(region, service));
    }

    /** Kills {@code region}'s S3 server (a child process of the stack) under load: every object must survive. */
    Result killS3(String region) throws Exception {
        String properties = dataDir.resolve("regions").resolve(region).resolve("s3/s3proxy.properties").toString();
        return kill(region + "/s3-server", args -> args.stream().anyMatch(arg -> arg.endsWith(properties)),
                () -> answers(s3ByRegion.get(region) + "/"));
    }

    /**
     * Kills {@code region}'s PostgreSQL postmaster under load (a daemon: found among all processes by its data
     * directory): every service of the Region loses its database until the stack starts it again.
     */
    Result killPostgres(String region) throws Exception {
        String directory = dataDir.resolve("regions").resolve(region).resolve("postgres").toString();
        return kill(region + "/postgresql", args -> args.size() > 1 && args.get(0).equals("-D")
                && args.get(1).equals(directory), () -> LocalStack.SERVICES.stream()
                        .allMatch(service -> ready(region, service)));
    }

    private Result kill(String name, java.util.function.Predicate<List<String>> commandLine,
            java.util.function.BooleanSupplier ready) throws Exception {
        long begun = System.nanoTime();
        DrillLoad load = new DrillLoad(east, a, b, name.replaceAll("[^a-z0-9]", "-"));
        load.start(2);
        load.awaitAccepted(8);
        long loaded = System.nanoTime();
        ProcessHandle victim = process(name, commandLine);
        long killed = System.nanoTime();
        victim.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no offset commit
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            ProcessHandle now = processOrNull(commandLine);
            return now != null && now.pid() != victim.pid() && ready.getAsBoolean();
        });
        long recovered = (System.nanoTime() - killed) / 1_000_000;
        System.out.println("fault drill, " + name + " restarted after " + recovered + " ms");
        load.awaitAccepted(load.accepted() + 8);
        load.stop();
        long stopped = System.nanoTime();
        checkAnswers(load);
        int[][] events = new int[1][];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> events[0] = checkTopics(load.images));
        long topics = System.nanoTime();
        checkRebuild();
        checkBlocks(load);
        System.out.printf("fault drill, %s: load %d ms before the kill, %d ms after the restart; checks: answers and "
                + "topics %d ms, rebuild and blocks %d ms%n", name, (loaded - begun) / 1_000_000,
                (stopped - killed) / 1_000_000 - recovered, (topics - stopped) / 1_000_000,
                (System.nanoTime() - topics) / 1_000_000);
        load.unknowns.forEach(why -> System.out.println("fault drill, " + name + ": an unknown outcome: " + why));
        System.out.println("fault drill, " + name + ": refusals " + new java.util.TreeMap<>(load.refusals));
        return new Result("SIGKILL of " + name, recovered, load.accepted(), load.refused.get(), load.throttled.get(),
                load.unreached.get(), load.unknown.get(), events[0][0], events[0][1]);
    }

    /**
     * The same events delivered twice: an image's whole history on image-events is published again, byte for byte
     * (as a relay that died after sending and before noting it sends again). A later event of the image (a share
     * with C, the same partition) shows when the consumers are past the copies; every view is as before, and the
     * launch-service's view equals its rebuild.
     */
    Result redeliver() throws Exception {
        DrillLoad load = new DrillLoad(east, a, b, "redelivery");
        load.step(load.prefix);
        assertEquals(1, load.instances.size(), "the image to redeliver was registered, shared and launched");
        String image = load.images.get(0);
        List<String> before = imageViews();
        List<ConsumerRecord<String, String>> history = recordsOf("us-east-1", "image-events").stream()
                .filter(r -> image.equals(r.key())).toList();
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

    /**
     * Conflicting commands racing on one image, each pair let go at the same moment from two threads: share with B
     * against deregister; deprecate against disable; two CopyImage to eu-west-1 with one ClientToken. Every answer
     * is a success or a clear EC2 error (never a 5xx or a broken connection); the image's history holds the events
     * of the successes and of nothing else; the views say what the history says; the two copies are one.
     */
    Result races(int rounds) throws Exception {
        DrillLoad load = new DrillLoad(east, a, b, "races");
        RegionClient west = new RegionClient(portBase + 100);
        int[] answers = new int[2]; // accepted, refused
        long started = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            String shared = load.registered(load.prefix + "-share-" + round);
            Answer[] shareAndDeregister = together(
                    () -> east.post(REGISTRY, "/images/" + shared + "/attributes", a,
                            "{\"LaunchPermission\":{\"Add\":[{\"UserId\":\"" + LocalStackIT.B + "\"}]}}"),
                    () -> east.delete(REGISTRY, "/images/" + shared, a));
            count(answers, shareAndDeregister);
            boolean isShared = shareAndDeregister[0].status() == 200;
            boolean deregistered = shareAndDeregister[1].status() == 200;
            // The loser of the optimistic race is told to retry (EC2's ConcurrentModification) and changed nothing.
            for (Answer answer : shareAndDeregister) {
                assertTrue(answer.status() == 200 || List.of("ConcurrentModification", "InvalidAMIID.NotFound",
                        "InvalidAMIID.Unavailable").contains(answer.code()), answer.body().toString());
            }
            List<String> history = eventTypes("us-east-1", shared);
            assertEquals(isShared, history.contains("ImageShared"), history.toString());
            assertEquals(deregistered ? 1 : 0, Collections.frequency(history, "ImageDeregistered"), history.toString());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertEquals(isShared && !deregistered, ids(ok(east.get(REGISTRY, "/images?ExecutableBy=self", b))
                        .path("Images"), "ImageId").contains(shared), "B's view of " + shared);
                String launch = east.post(LAUNCH, "/instances", b, "{\"ImageId\":\"" + shared
                        + "\",\"MinCount\":1,\"MaxCount\":1,\"InstanceType\":\"t3.micro\"}").code();
                assertEquals(isShared && !deregistered ? null : "InvalidAMIID.NotFound", launch, "B's launch of "
                        + shared);
            });

            String image = load.registered(load.prefix + "-state-" + round);
            Answer[] deprecateAndDisable = together(
                    () -> east.send("PUT", REGISTRY, "/images/" + image + "/deprecation", a,
                            "{\"DeprecateAt\":\"" + java.time.Instant.now().plus(Duration.ofDays(30)) + "\"}"),
                    () -> east.post(REGISTRY, "/images/" + image + "/disable", a, null));
            count(answers, deprecateAndDisable);
            List<String> states = eventTypes("us-east-1", image);
            assertEquals(deprecateAndDisable[0].status() == 200, states.contains("ImageDeprecated"), states.toString());
            assertEquals(deprecateAndDisable[1].status() == 200, states.contains("ImageDisabled"), states.toString());
            JsonNode described = ok(east.get(REGISTRY, "/images?IncludeDisabled=true&ImageId=" + image, a)).path("Images")
                    .path(0);
            assertEquals(deprecateAndDisable[1].status() == 200, "disabled".equals(described.path("State").asText()),
                    described.toString());
            assertEquals(deprecateAndDisable[0].status() == 200, described.hasNonNull("DeprecationTime"),
                    described.toString());

            String copied = load.registered(load.prefix + "-copy-" + round);
            String copy = "{\"SourceRegion\":\"us-east-1\",\"SourceImageId\":\"" + copied + "\",\"Name\":\""
                    + load.prefix + "-copy-" + round + "-eu\",\"ClientToken\":\"" + copied + "-once\"}";
            Answer[] twoCopies = together(() -> west.post(REGISTRY, "/images/copy", a, copy),
                    () -> west.post(REGISTRY, "/images/copy", a, copy));
            count(answers, twoCopies);
            Set<String> copies = new TreeSet<>();
            for (Answer answer : twoCopies) {
                if (answer.status() == 200) {
                    copies.add(answer.body().path("ImageId").asText());
                }
            }
            assertEquals(1, copies.size(), "one ClientToken, one copy: " + List.of(twoCopies[0].body(),
                    twoCopies[1].body()));
            String named = load.prefix + "-copy-" + round + "-eu";
            assertEquals(1, Collections.frequency(ok(west.get(REGISTRY, "/images?Owner=" + LocalStackIT.A, a))
                    .path("Images").findValuesAsText("Name"), named), "one image named " + named + " in eu-west-1");
        }
        int[][] events = new int[1][];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> events[0] = checkTopics(load.images));
        checkRebuild();
        return new Result(rounds + " × share/deregister, deprecate/disable, two copies with one ClientToken",
                (System.nanoTime() - started) / 1_000_000, answers[0], answers[1], 0, 0, 0, events[0][0],
                events[0][1]);
    }

    /** Both calls let go at once; each must be answered with a success or a clear EC2 error. */
    private static Answer[] together(java.util.function.Supplier<Answer> first,
            java.util.function.Supplier<Answer> second) throws Exception {
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.ExecutorService both = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Future<Answer> one = both.submit(() -> {
                start.await();
                return first.get();
            });
            java.util.concurrent.Future<Answer> other = both.submit(() -> {
                start.await();
                return second.get();
            });
            Answer[] answers = { one.get(), other.get() };
            for (Answer answer : answers) {
                assertTrue(answer.status() == 200 || answer.status() < 500 && answer.code() != null,
                        "a race is answered with a success or a clear error: " + answer.status() + " " + answer.body());
            }
            return answers;
        } finally {
            both.shutdownNow();
        }
    }

    private static void count(int[] answers, Answer[] pair) {
        for (Answer answer : pair) {
            answers[answer.status() == 200 ? 0 : 1]++;
        }
    }

    /** The types of an image's events on a Region's image-events, each event once (a redelivered copy aside). */
    private List<String> eventTypes(String region, String imageId) {
        Map<String, String> byId = new java.util.LinkedHashMap<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            recordsOf(region, "image-events").stream().filter(r -> imageId.equals(r.key())).map(r -> read(r.value()))
                    .forEach(e -> byId.putIfAbsent(e.path("id").asText(), e.path("type").asText()));
            return byId.containsValue("ImageRegistered") && byId.size() > 1;
        });
        return new ArrayList<>(byId.values());
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

    /** Everything on {@code region}'s {@code topic} so far. */
    private synchronized List<ConsumerRecord<String, String>> recordsOf(String region, String topic) {
        return taps.computeIfAbsent(region + " " + topic, k -> new TopicTap(kafkaByRegion.get(region), topic))
                .recordsToEnd();
    }

    @Override
    public synchronized void close() {
        taps.values().forEach(TopicTap::close);
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
                {
                    List<ConsumerRecord<String, String>> records = recordsOf(region.getKey(), topic);
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
    private void checkAnswers(DrillLoad load) {
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
     * Every completed upload (each under one of the images) holds its block: it reads back through the
     * snapshot-service with the SHA-256 of the bytes that were put, so the bucket has the object, unchanged.
     */
    private void checkBlocks(DrillLoad load) throws Exception {
        for (Map.Entry<String, String> upload : load.snapshots.entrySet()) {
            HttpResponse<byte[]> read = HTTP.send(HttpRequest.newBuilder(URI.create(east.endpoint(RegionClient.SNAPSHOT)
                    + "/snapshots/" + upload.getKey() + "/blocks/0")).header("Authorization", "Bearer " + a)
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, read.statusCode(), upload.getKey());
            assertEquals(upload.getValue(), DrillLoad.sha256(read.body()), "block 0 of " + upload.getKey());
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

    private ProcessHandle process(String name, java.util.function.Predicate<List<String>> commandLine) {
        ProcessHandle found = processOrNull(commandLine);
        assertTrue(found != null, "no process " + name + " under the stack");
        return found;
    }

    /** Among the stack's descendants, or (PostgreSQL's postmaster is a daemon) among all processes. */
    private ProcessHandle processOrNull(java.util.function.Predicate<List<String>> commandLine) {
        return java.util.stream.Stream.concat(stack.descendants(), ProcessHandle.allProcesses())
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(args -> commandLine.test(List.of(args))).orElse(false))
                .findFirst().orElse(null);
    }

    private boolean ready(String region, String service) {
        int regionOffset = region.equals("us-east-1") ? 0 : 100;
        int port = portBase + regionOffset + (service.equals(LocalStack.GATEWAY) ? 0
                : LocalStack.SERVICES.indexOf(service) + 1);
        return status("http://127.0.0.1:" + port + "/q/health/ready") == 200;
    }

    /** Any HTTP answer (an unsigned S3 request gets 403) means the server serves. */
    private static boolean answers(String url) {
        return status(url) > 0;
    }

    private static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    // --- small things

    private static final int BLOCK = 524_288;

    static JsonNode ok(Answer answer) {
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

}
