package dev.imageregistry.registry;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.platform.events.DomainEvent;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.platform.events.EventType;

/**
 * Plays the other services of the Region in tests: publishes their events as they would (validated against
 * docs/events first), and calls the registry as three different accounts.
 */
public final class RegistryFixtures {
    public static final String ALICE = "111111111111";
    public static final String BOB = "222222222222";
    public static final String CAROL = "333333333333";

    private RegistryFixtures() {
    }

    public static RequestSpecification as(String account) {
        return given().auth().oauth2(RegionTestResource.tokens().token(account)).contentType(ContentType.JSON);
    }

    /** As the Region's operator (the {@code /admin} calls), who is no account. */
    public static RequestSpecification asOperator() {
        return given().auth().oauth2(RegionTestResource.tokens().operatorToken()).contentType(ContentType.JSON);
    }

    public static String bootstrap() {
        return RegionTestResource.region().kafka().bootstrapServers();
    }

    public static String hex(int digits) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < digits; i++) {
            hex.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
        }
        return hex.toString();
    }

    /** A fresh 12-digit account, so a test's listings hold only its own images. */
    public static String account() {
        return String.format("%012d", ThreadLocalRandom.current().nextLong(400_000_000_000L, 999_999_999_999L));
    }

    public static String uniqueName(String prefix) {
        return prefix + "-" + hex(8);
    }

    @EventType("SnapshotCompleted")
    record SnapshotCompleted(String snapshotId, String ownerId, int volumeSize, long blockCount,
            String aggregateChecksum, String checksumAlgorithm, Instant completionTime) implements DomainEvent {
        public String aggregateId() {
            return snapshotId;
        }
    }

    @EventType("SnapshotDeleted")
    record SnapshotDeleted(String snapshotId, String ownerId) implements DomainEvent {
        public String aggregateId() {
            return snapshotId;
        }
    }

    @EventType("ImageCopied")
    public record ImageCopied(String imageId, String sourceImageId, String sourceRegion, List<Map<String, Object>> snapshots,
            String architecture, String rootDeviceName, List<Map<String, Object>> blockDeviceMappings,
            List<Map<String, String>> tags) implements DomainEvent {
        public String aggregateId() {
            return imageId;
        }
    }

    @EventType("ImageCopyFailed")
    public record ImageCopyFailed(String imageId, String sourceImageId, String sourceRegion,
            Map<String, String> stateReason) implements DomainEvent {
        public String aggregateId() {
            return imageId;
        }
    }

    @EventType("ImageCopyAssigned")
    public record ImageCopyAssigned(String imageId, String ownerId, String destinationRegion, String sourceRegion,
            String sourceImageId, String name, String description, boolean copyImageTags, Instant requestedAt,
            String dispatchedFrom) implements DomainEvent {
        public String aggregateId() {
            return imageId;
        }
    }

    /** The launch-service's source, as its events name it. */
    public static final String LAUNCH = "/regions/us-east-1/launch-service";

    public record RootVolume(String volumeId, String snapshotId, int volumeSize) {
    }

    /** The launch-service's InstanceLaunched, as far as the registry reads it ({@code rootVolume} may be left out). */
    @EventType("InstanceLaunched")
    public record InstanceLaunched(String instanceId, String ownerId, String imageId, String imageOwnerId,
            String instanceType, String reservationId, int amiLaunchIndex, RootVolume rootVolume, Instant launchTime)
            implements DomainEvent {
        public String aggregateId() {
            return instanceId;
        }
    }

    @EventType("InstanceStateChanged")
    public record InstanceStateChanged(String instanceId, String ownerId, String imageId, String previousState,
            String currentState) implements DomainEvent {
        public String aggregateId() {
            return instanceId;
        }
    }

    /** InstanceLaunched (version 1) of an instance of {@code owner} launched from {@code imageId} at {@code at}. */
    public static String launched(String instanceId, String owner, String imageId, String imageOwner,
            RootVolume rootVolume, Instant at) {
        return envelope(new InstanceLaunched(instanceId, owner, imageId, imageOwner, "t3.micro", "r-" + hex(17), 0,
                rootVolume, at), LAUNCH, 1);
    }

    public static String stateChanged(String instanceId, String owner, String imageId, String from, String to,
            long version) {
        return envelope(new InstanceStateChanged(instanceId, owner, imageId, from, to), LAUNCH, version);
    }

    /** The JSON another service would publish, checked against the contract before it is sent. */
    public static String envelope(DomainEvent event, String source, long version) {
        String json = EventJson.write(EventEnvelope.of(event, source, "us-east-1", version, Instant.now()));
        EventContract.assertConforms(json);
        return json;
    }

    public static void publish(String topic, String key, String json) {
        TopicTap.publish(bootstrap(), topic, key, json);
    }

    public static String checksum(String seed) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(seed.getBytes()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A completed snapshot of {@code owner}, announced as the snapshot-service does, once the registry knows it. */
    public static String completedSnapshot(DataSource registryDatabase, String owner, int volumeSize) {
        String snapshotId = "snap-" + hex(17);
        publish("snapshot-events", snapshotId, envelope(new SnapshotCompleted(snapshotId, owner, volumeSize, 3,
                checksum(snapshotId), "SHA256", Instant.now()), "/regions/us-east-1/snapshot-service", 3));
        awaitSnapshot(registryDatabase, snapshotId, "completed");
        return snapshotId;
    }

    public static void deleteSnapshot(DataSource registryDatabase, String owner, String snapshotId) {
        publish("snapshot-events", snapshotId, envelope(new SnapshotDeleted(snapshotId, owner),
                "/regions/us-east-1/snapshot-service", 4));
        awaitSnapshot(registryDatabase, snapshotId, "deleted");
    }

    static void awaitSnapshot(DataSource database, String snapshotId, String state) {
        await().atMost(Duration.ofSeconds(30)).until(() -> state.equals(
                scalar(database, "select state from known_snapshot where snapshot_id = ?", snapshotId)));
    }

    public static Object scalar(DataSource database, String sql, Object... params) {
        try (var connection = database.getConnection(); var statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            try (var rs = statement.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, Object> registerBody(String name, String snapshotId) {
        return Map.of("Name", name, "Architecture", "arm64", "RootDeviceName", "/dev/xvda",
                "BlockDeviceMappings", List.of(Map.of("DeviceName", "/dev/xvda", "Ebs", Map.of("SnapshotId", snapshotId))),
                "BootMode", "uefi", "EnaSupport", true, "ImdsSupport", "v2.0");
    }

    /** Registers an image as {@code owner} and returns its ID. */
    public static String register(String owner, String name, String snapshotId) {
        return as(owner).body(registerBody(name, snapshotId)).post("/images").then().statusCode(200)
                .extract().path("ImageId");
    }
}
