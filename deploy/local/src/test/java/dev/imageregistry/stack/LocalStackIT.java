package dev.imageregistry.stack;

import static dev.imageregistry.stack.RegionClient.LAUNCH;
import static dev.imageregistry.stack.RegionClient.REGISTRY;
import static dev.imageregistry.stack.RegionClient.REPLICATOR;
import static dev.imageregistry.stack.RegionClient.SNAPSHOT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Reservation;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imageregistry.stack.RegionClient.Answer;

/**
 * The run command as a user runs it, and the story the whole system must tell (README, docs/walkthrough.md), on
 * the real two-Region stack, started once for all of this: with the real aws command line through the walkthrough,
 * with the AWS SDK for Java v2 (the story, DescribeImages as Terraform and Packer use it, refused signatures), and
 * on the services' own JSON APIs (upload, register, share, launch, copy, deregister, rebuild read models). Then a
 * stop signal must stop every process, and a second start over the same data directory must resume with
 * everything still there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalStackIT {
    static final String A = "111111111111";
    static final String B = "222222222222";
    static final String C = "333333333333";
    static final int BLOCK = 512 * 1024;

    @TempDir
    static Path dataDir;

    @TempDir
    static Path work;

    int portBase;
    RegionClient east;
    RegionClient west;
    Process stack;
    List<ProcessHandle> started;
    String copyId;
    String secondImage;

    @BeforeAll
    void startTheStack() throws Exception {
        portBase = freePortBase();
        east = new RegionClient(portBase);
        west = new RegionClient(portBase + 100);
        stack = start(portBase, dataDir.resolve("run-1.out"));
        started = awaitReady(stack, dataDir.resolve("run-1.out"));
    }

    @AfterAll
    void nothingOutlivesTheTests() {
        if (stack != null) {
            stack.descendants().forEach(ProcessHandle::destroyForcibly);
            stack.destroyForcibly();
        }
    }

    String gateway() {
        return LocalStack.gatewayEndpoint(portBase, 0);
    }

    @Test
    @Order(1)
    void theWalkthroughWithTheAwsCommandLine() throws Exception {
        new CliWalkthrough(new AwsCli(dataDir, gateway()), east.endpoint(SNAPSHOT), tokens().get("TOKEN_A")).run(work);
    }

    @Test
    @Order(2)
    void aDiskInAndOutWithAwsEbs() throws Exception {
        new EbsWalkthrough(new AwsCli(dataDir, gateway()), gateway(),
                new MappedSnapshots(east.endpoint(SNAPSHOT), tokens().get("TOKEN_A"), 8, 10)).run(work);
    }

    @Test
    @Order(2)
    void theStoryWithTheJavaSdk() throws Exception {
        try (SdkStory story = new SdkStory(new AwsClients(gateway(), dataDir), east.endpoint(SNAPSHOT),
                tokens().get("TOKEN_A"))) {
            story.story(work);
        }
    }

    @Test
    @Order(3)
    void describeImagesAsTerraformAndPackerUseItWithTheJavaSdk() throws Exception {
        try (SdkStory story = new SdkStory(new AwsClients(gateway(), dataDir), east.endpoint(SNAPSHOT),
                tokens().get("TOKEN_A"))) {
            story.describeImagesAsToolsDo(work);
        }
    }

    @Test
    @Order(4)
    void refusedSignatures() throws Exception {
        new SignatureRefusals(gateway(), new AwsClients(gateway(), dataDir)).run();
    }

    /**
     * After the stories, A has images, snapshots, instances and volumes: the matrix takes one of each that C cannot
     * see, and tries every EC2 action of the model on them as C.
     */
    @Test
    @Order(6)
    void noAccountReachesAnotherAccountsResourcesThroughTheFrontDoor() throws Exception {
        AwsClients clients = new AwsClients(gateway(), dataDir);
        try (Ec2Client ownerEc2 = clients.ec2("a", "us-east-1"); Ec2Client strangerEc2 = clients.ec2("c", "us-east-1")) {
            Map<String, String> owned = new java.util.TreeMap<>();
            for (Image image : ownerEc2.describeImages(r -> r.owners("self")).images()) {
                boolean hidden;
                try {
                    hidden = strangerEc2.describeImages(r -> r.imageIds(image.imageId())).images().isEmpty();
                } catch (software.amazon.awssdk.services.ec2.model.Ec2Exception notVisible) {
                    hidden = "InvalidAMIID.NotFound".equals(notVisible.awsErrorDetails().errorCode());
                }
                String snapshot = image.blockDeviceMappings().isEmpty() || image.blockDeviceMappings().get(0).ebs() == null
                        ? null : image.blockDeviceMappings().get(0).ebs().snapshotId();
                if (hidden && !Boolean.TRUE.equals(image.publicLaunchPermissions()) && snapshot != null) {
                    owned.put("Image", image.imageId());
                    owned.put("Snapshot", snapshot);
                    break;
                }
            }
            for (Reservation reservation : ownerEc2.describeInstances().reservations()) {
                for (Instance instance : reservation.instances()) {
                    owned.putIfAbsent("Instance", instance.instanceId());
                    if (!instance.blockDeviceMappings().isEmpty() && instance.blockDeviceMappings().get(0).ebs() != null) {
                        owned.putIfAbsent("Volume", instance.blockDeviceMappings().get(0).ebs().volumeId());
                    }
                }
            }
            assertTrue(owned.keySet().containsAll(List.of("Image", "Snapshot", "Instance")), "A's resources: " + owned);
            new FrontDoorMatrix(gateway(), clients.keys("a").resolveCredentials(), clients.keys("c").resolveCredentials())
                    .run(owned);
        }
    }

    @Test
    @Order(5)
    void theStoryOnTheJsonApis() throws Exception {
        {
            Map<String, String> tokens = tokens();
            String a = tokens.get("TOKEN_A");
            String b = tokens.get("TOKEN_B");
            String c = tokens.get("TOKEN_C");
            for (RegionClient region : List.of(east, west)) {
                for (int service = REGISTRY; service <= REPLICATOR; service++) {
                    Answer identity = region.get(service, "/caller-identity", b);
                    assertEquals(200, identity.status(), identity.body().toString());
                    assertEquals(B, identity.body().path("Account").asText());
                    assertEquals(region == east ? "us-east-1" : "eu-west-1", identity.body().path("Region").asText());
                }
            }

            // 1. A uploads a 1 GiB raw disk, mostly empty, as a snapshot in us-east-1 with the upload tool.
            Path disk = sparseDisk(work.resolve("disk.raw"), 1024, 40, new Random(1));
            String snapshot = upload(east, a, disk);

            // 2. A registers an image whose root device maps it: available at once.
            String image = register(east, a, "story-web-server", snapshot);
            assertEquals("available", describe(east, a, image).path("State").asText());

            // 3. Shared with B: B sees it and may launch it; C cannot see it at all.
            ok(east.post(REGISTRY, "/images/" + image + "/attributes", a,
                    "{\"LaunchPermission\":{\"Add\":[{\"UserId\":\"" + B + "\"}]}}"));
            assertEquals(image, describe(east, b, image).path("ImageId").asText());
            assertTrue(east.get(REGISTRY, "/images?ExecutableBy=self", b).body().path("Images").findValuesAsText("ImageId")
                    .contains(image));
            Answer hidden = east.get(REGISTRY, "/images?ImageId=" + image, c);
            assertTrue(hidden.status() == 400 ? "InvalidAMIID.NotFound".equals(hidden.code())
                    : hidden.body().path("Images").isEmpty(), hidden.body().toString());

            // 4. B launches two instances from it in us-east-1.
            JsonNode reservation = awaitOk(() -> east.post(LAUNCH, "/instances", b, "{\"ImageId\":\"" + image
                    + "\",\"MinCount\":2,\"MaxCount\":2,\"InstanceType\":\"t3.micro\"}"));
            List<String> instances = reservation.path("Instances").findValuesAsText("InstanceId");
            assertEquals(2, instances.size());
            awaitRunning(east, b, instances);
            //    The registry learns of the launches from the launch-service's events.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertTrue(
                    describe(east, a, image).hasNonNull("LastLaunchedTime"), describe(east, a, image).toString()));

            // 5. A copies the image to eu-west-1: progress, then available with its lineage.
            copyId = ok(west.post(REGISTRY, "/images/copy", a, "{\"SourceRegion\":\"us-east-1\",\"SourceImageId\":\""
                    + image + "\",\"Name\":\"story-web-server-eu\"}")).path("ImageId").asText();
            long firstCopy = awaitAvailable(west, a, copyId);
            JsonNode copy = describe(west, a, copyId);
            assertEquals(image, copy.path("SourceImageId").asText());
            assertEquals("us-east-1", copy.path("SourceImageRegion").asText());
            JsonNode progress = ok(west.get(REPLICATOR, "/copies/" + copyId, a));
            assertEquals(100, progress.path("Progress").asInt());
            assertEquals(40L * BLOCK, progress.path("BytesMoved").asLong());

            //    A second image sharing most blocks copies in a fraction of the time, moving only the difference.
            Path disk2 = work.resolve("disk2.raw");
            Files.copy(disk, disk2);
            overwriteBlocks(disk2, List.of(3, 900), new Random(2));
            String snapshot2 = upload(east, a, disk2);
            secondImage = register(east, a, "story-web-server-v2", snapshot2);
            String secondCopy = ok(west.post(REGISTRY, "/images/copy", a, "{\"SourceRegion\":\"us-east-1\","
                    + "\"SourceImageId\":\"" + secondImage + "\",\"Name\":\"story-web-server-v2-eu\"}")).path("ImageId").asText();
            long secondCopyMillis = awaitAvailable(west, a, secondCopy);
            JsonNode secondProgress = ok(west.get(REPLICATOR, "/copies/" + secondCopy, a));
            assertTrue(secondProgress.path("BytesMoved").asLong() <= 2L * BLOCK, secondProgress.toString());
            System.out.printf("copy of the first image: %d ms; of the second (sharing most blocks): %d ms%n", firstCopy,
                    secondCopyMillis);

            //    One request copies the second image to both Regions; each Region's registry opens its own copy.
            JsonNode copies = ok(east.post(REPLICATOR, "/image-copies", a, "{\"SourceRegion\":\"us-east-1\","
                    + "\"SourceImageId\":\"" + secondImage + "\",\"DestinationRegions\":[\"eu-west-1\",\"us-east-1\"],"
                    + "\"Name\":\"story-web-server-v2-everywhere\"}")).path("Copies");
            assertEquals(2, copies.size(), copies.toString());
            awaitAvailable(west, a, copies.get(0).path("ImageId").asText());
            awaitAvailable(east, a, copies.get(1).path("ImageId").asText());
            assertEquals(secondImage, describe(west, a, copies.get(0).path("ImageId").asText())
                    .path("SourceImageId").asText());

            // 6. A launches the copy in eu-west-1; B cannot until A shares the copy there too.
            JsonNode westLaunch = awaitOk(() -> west.post(LAUNCH, "/instances", a, "{\"ImageId\":\"" + copyId
                    + "\",\"MinCount\":1,\"MaxCount\":1,\"InstanceType\":\"t3.micro\"}"));
            awaitRunning(west, a, westLaunch.path("Instances").findValuesAsText("InstanceId"));
            Answer refused = west.post(LAUNCH, "/instances", b, "{\"ImageId\":\"" + copyId
                    + "\",\"MinCount\":1,\"MaxCount\":1,\"InstanceType\":\"t3.micro\"}");
            assertEquals("InvalidAMIID.NotFound", refused.code(), refused.body().toString());

            // 7. A deregisters the source with its snapshots: B's instances keep running, blocks that the second
            //    snapshot uses are not lost, and the copy in eu-west-1 is untouched.
            JsonNode deregistered = ok(east.delete(REGISTRY, "/images/" + image + "?DeleteAssociatedSnapshots=true", a));
            assertEquals(2, deregistered.path("InstancesInUse").asInt(), deregistered.toString());
            assertEquals("ImageInUse", deregistered.path("Warnings").path(0).path("Code").asText());
            awaitRunning(east, b, instances);
            Path downloaded = work.resolve("disk2.downloaded");
            download(east, a, snapshot2, downloaded);
            assertArrayEquals(Files.readAllBytes(disk2), Files.readAllBytes(downloaded));
            assertEquals("available", describe(west, a, copyId).path("State").asText());
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals("InvalidSnapshot.NotFound",
                    east.get(SNAPSHOT, "/snapshots?SnapshotId=" + snapshot, a).code()));

            // 8. An operator rebuilds read models from the topics: every answer is the same afterwards.
            //    An account may not (403 UnauthorizedOperation): a rebuild locks the view against every tenant.
            List<String> before = answers(east, west, a, b, c, image, secondImage, copyId);
            assertEquals("UnauthorizedOperation", east.post(REGISTRY, "/admin/read-models/images/rebuild", a, null).code());
            String operator = tokens.get("TOKEN_OPERATOR");
            ok(east.post(REGISTRY, "/admin/read-models/images/rebuild", operator, null));
            ok(west.post(REGISTRY, "/admin/read-models/images/rebuild", operator, null));
            ok(east.post(REGISTRY, "/admin/read-models/instances/rebuild", operator, null));
            ok(east.post(LAUNCH, "/admin/read-models/launchable-images/rebuild", operator, null));
            ok(west.post(LAUNCH, "/admin/read-models/launchable-images/rebuild", operator, null));
            ok(east.post(SNAPSHOT, "/admin/read-models/image-usage/rebuild", operator, null));
            assertEquals(before, answers(east, west, a, b, c, image, secondImage, copyId));
        }
    }

    /**
     * Issue #17's drill: one process at a time is killed with SIGKILL under load and restarted by the stack; nothing
     * any client was told is lost (FaultDrill). The test command kills the east Region's registry and
     * snapshot-service, then its S3 server; {@code -Dfaults=all} kills each of the ten processes and both S3
     * servers. Then an image's events are delivered twice, and conflicting commands race on one image.
     */
    @Test
    @Order(7)
    void nothingIsLostWhenAProcessIsKilled() throws Exception {
        String summary = read(dataDir.resolve("run-1.out"));
        try (FaultDrill drill = new FaultDrill(stack.toHandle(), dataDir, portBase, byRegion(summary, "kafka"), tokens(),
                byRegion(summary, "s3"))) {
            drill(drill);
        }
    }

    private static void drill(FaultDrill drill) throws Exception {
        List<String> regions = List.of("us-east-1", "eu-west-1");
        List<String> processes = new ArrayList<>(LocalStack.SERVICES);
        processes.add(LocalStack.GATEWAY);
        List<String[]> cases = new ArrayList<>();
        if ("all".equals(System.getProperty("faults"))) {
            regions.forEach(region -> processes.forEach(service -> cases.add(new String[] { region, service })));
        } else {
            // The test command's share (it is bounded): the catalogue, and the blocks' service and store.
            List.of("registry-service", "snapshot-service").forEach(service -> cases.add(new String[] { "us-east-1",
                    service }));
        }
        List<java.util.concurrent.Callable<FaultDrill.Result>> runs = new ArrayList<>();
        cases.forEach(c -> runs.add(() -> drill.kill(c[0], c[1])));
        for (String region : "all".equals(System.getProperty("faults")) ? regions : List.of("us-east-1")) {
            runs.add(() -> drill.killS3(region));
            runs.add(() -> drill.killPostgres(region));
        }
        runs.add(drill::redeliver);
        runs.add(() -> drill.races(2));
        List<String> table = new ArrayList<>(FaultDrill.Result.HEADER);
        for (java.util.concurrent.Callable<FaultDrill.Result> run : runs) {
            long started = System.nanoTime();
            FaultDrill.Result result = run.call();
            table.add(result.row());
            System.out.printf("fault drill: %s, the whole case %d s%n", result.fault(),
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        }
        String report = String.join("\n", table);
        System.out.println("fault drill:\n" + report);
        Files.writeString(root().resolve("deploy/local/target/fault-drill.txt"), report + "\n");
    }

    @Test
    @Order(9)
    void aStopSignalStopsEverythingAndTheNextStartResumes() throws Exception {
        stop(stack, started, dataDir.resolve("run-1.out"));
        // The second start resumes over the same data directory: what the first run made is still there.
        Process again = start(portBase, dataDir.resolve("run-2.out"));
        try {
            List<ProcessHandle> started = awaitReady(again, dataDir.resolve("run-2.out"));
            String a = tokens().get("TOKEN_A");
            try (var ec2 = new AwsClients(gateway(), dataDir).ec2("a", "eu-west-1")) {
                assertTrue(ec2.describeImages(r -> r.owners("self")).hasImages(), "the gateway answers after a restart");
            }
            if (copyId != null) {
                assertEquals("available", describe(west, a, copyId).path("State").asText());
                assertEquals("available", describe(east, a, secondImage).path("State").asText());
            }
            stop(again, started, dataDir.resolve("run-2.out"));
        } finally {
            again.descendants().forEach(ProcessHandle::destroyForcibly);
            again.destroyForcibly();
        }
    }

    // --- the steps

    private String upload(RegionClient region, String token, Path file) throws Exception {
        return SnapshotTool.upload(region.endpoint(SNAPSHOT), token, file);
    }

    private void download(RegionClient region, String token, String snapshotId, Path file) throws Exception {
        SnapshotTool.download(region.endpoint(SNAPSHOT), token, snapshotId, file);
    }

    private String register(RegionClient region, String token, String name, String snapshotId) {
        // The registry learns of the snapshot from the snapshot-service's events: retry until it has.
        return awaitOk(() -> region.post(REGISTRY, "/images", token, "{\"Name\":\"" + name + "\",\"Architecture\":\"x86_64\","
                + "\"RootDeviceName\":\"/dev/xvda\",\"VirtualizationType\":\"hvm\",\"BootMode\":\"uefi\",\"EnaSupport\":true,"
                + "\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{\"SnapshotId\":\"" + snapshotId
                + "\",\"VolumeSize\":1,\"VolumeType\":\"gp3\",\"DeleteOnTermination\":true}}]}")).path("ImageId").asText();
    }

    private static JsonNode describe(RegionClient region, String token, String imageId) {
        JsonNode images = ok(region.get(REGISTRY, "/images?ImageId=" + imageId, token)).path("Images");
        assertEquals(1, images.size(), images.toString());
        return images.get(0);
    }

    private static long awaitAvailable(RegionClient region, String token, String imageId) {
        long started = System.nanoTime();
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode image = describe(region, token, imageId);
            assertTrue(!"failed".equals(image.path("State").asText()), image.toString());
            assertEquals("available", image.path("State").asText(), image.toString());
        });
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    private static void awaitRunning(RegionClient region, String token, List<String> instances) {
        String query = instances.stream().map(id -> "InstanceId=" + id).collect(Collectors.joining("&"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode answer = ok(region.get(LAUNCH, "/instances?" + query, token));
            List<String> states = answer.findValuesAsText("Name");
            assertEquals(instances.size(), answer.findValuesAsText("InstanceId").size(), answer.toString());
            assertTrue(states.stream().allMatch("running"::equals), answer.toString());
        });
    }

    /** What each account sees, in both Regions: compared before and after the rebuilds. */
    private static List<String> answers(RegionClient east, RegionClient west, String a, String b, String c,
            String... imageIds) {
        List<String> answers = new ArrayList<>();
        for (String token : List.of(a, b, c)) {
            for (RegionClient region : List.of(east, west)) {
                answers.add(withoutLaunchTimes(region.get(REGISTRY, "/images?Owner=" + A, token).body().path("Images")));
                answers.add(withoutLaunchTimes(region.get(REGISTRY, "/images?ExecutableBy=self", token).body()
                        .path("Images")));
                for (String imageId : imageIds) {
                    Answer launch = region.post(LAUNCH, "/instances", token, "{\"ImageId\":\"" + imageId
                            + "\",\"MinCount\":1,\"MaxCount\":1,\"InstanceType\":\"t3.micro\"}");
                    answers.add(imageId + " launch " + launch.status() + " " + launch.code());
                }
            }
        }
        return answers;
    }

    /** The probe launches below move LastLaunchedTime themselves, so the comparison leaves it out. */
    private static String withoutLaunchTimes(JsonNode images) {
        JsonNode copy = images.deepCopy();
        copy.forEach(image -> ((com.fasterxml.jackson.databind.node.ObjectNode) image).remove("LastLaunchedTime"));
        return copy.toString();
    }

    // --- the stack

    /**
     * A port base whose ten ports (gateways at base and base + 100, services at base + 1..4 and base + 101..104) are
     * free now. Below the kernel's
     * ephemeral range (32768 and up here): the brokers, databases and clients of the stack and of other test runs
     * open outgoing connections from that range all the time, and one of them took a service's port on 2026-11-27
     * ("Port 43904 seems to be in use"). Starting from the pid spreads two runs on one machine apart.
     */
    private static int freePortBase() {
        int slots = 60; // bases 20000..31800, 200 apart: the highest port used is 31904
        int first = (int) (ProcessHandle.current().pid() % slots);
        for (int n = 0; n < slots; n++) {
            int base = 20000 + ((first + n) % slots) * 200;
            if (java.util.stream.IntStream.of(0, 1, 2, 3, 4, 100, 101, 102, 103, 104).allMatch(p -> free(base + p))) {
                return base;
            }
        }
        throw new IllegalStateException("no free port base between 20000 and 32000");
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(port, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Process start(int portBase, Path output) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx768m", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-cp", System.getProperty("java.class.path"),
                LocalStack.class.getName(), "--data-dir", dataDir.toString(), "--port-base", String.valueOf(portBase),
                "--project-root", root().toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    private static List<ProcessHandle> awaitReady(Process stack, Path output) {
        await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            assertTrue(stack.isAlive(), () -> "the stack exited: " + read(output));
            return read(output).contains("LOCAL STACK READY");
        });
        List<ProcessHandle> started = stack.descendants().toList();
        assertTrue(started.size() >= 10 + 2, "8 service JVMs, 2 gateways and 2 S3 servers, got " + started.size());
        return started;
    }

    /**
     * SIGTERM, which runs the same shutdown hook as Ctrl-C (SIGINT): a test run from a background job inherits SIGINT
     * as ignored, so it could not send a Ctrl-C the stack would see.
     */
    private static void stop(Process stack, List<ProcessHandle> started, Path output) throws Exception {
        List<ProcessHandle> running = new ArrayList<>(started);
        running.addAll(stack.descendants().toList()); // the services the stack restarted since it started
        stack.destroy();
        assertTrue(stack.waitFor(120, TimeUnit.SECONDS), "the stack did not stop on SIGTERM");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(List.of(), running.stream()
                .filter(ProcessHandle::isAlive).map(p -> p.pid() + " " + p.info().command().orElse("?")).toList()));
        assertTrue(read(output).contains("[local-stack] stopped"));
    }

    /** Each Region's {@code server} (kafka: its bootstrap servers, s3: its endpoint), as the summary prints it. */
    private static Map<String, String> byRegion(String summary, String server) {
        Map<String, String> found = new java.util.LinkedHashMap<>();
        String region = null;
        for (String line : summary.split("\n")) {
            if (line.startsWith("Region ")) {
                region = line.substring("Region ".length()).trim();
            } else if (region != null && line.trim().startsWith(server + " ")) {
                found.put(region, line.trim().substring(server.length()).trim().split("\\s+")[0]);
            }
        }
        assertEquals(2, found.size(), summary);
        return found;
    }

    private Map<String, String> tokens() throws IOException {
        return Files.readAllLines(dataDir.resolve("tokens.env")).stream().map(line -> line.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
    }

    // --- small things

    private static JsonNode ok(Answer answer) {
        assertEquals(200, answer.status(), answer.body().toString());
        return answer.body();
    }

    private static JsonNode awaitOk(Supplier<Answer> call) {
        JsonNode[] body = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Answer answer = call.get();
            assertEquals(200, answer.status(), answer.body().toString());
            body[0] = answer.body();
        });
        return body[0];
    }

    private static Path sparseDisk(Path file, int mib, int dataBlocks, Random random) throws IOException {
        return SnapshotTool.sparseDisk(file, mib, dataBlocks, random);
    }

    private static void overwriteBlocks(Path file, List<Integer> indexes, Random random) throws IOException {
        SnapshotTool.overwriteBlocks(file, indexes, random);
    }

    private static Path root() {
        return SnapshotTool.root();
    }

    private static String java() {
        return SnapshotTool.java();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
