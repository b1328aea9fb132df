package dev.imageregistry.launch;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import dev.imageregistry.platform.events.EventJson;

/**
 * Plays the registry-service and the snapshot-service: publishes their events on their topics exactly as the
 * contract (docs/events) describes them, each validated against its schema before it is sent, with aggregate
 * versions 1, 2, 3... per image.
 */
public final class RegistryPlayer {
    public static final String REGION = "us-east-1";
    private final Map<String, Long> versions = new ConcurrentHashMap<>();

    public static String imageId() {
        return "ami-" + hex17();
    }

    public static String snapshotId() {
        return "snap-" + hex17();
    }

    public static String account() {
        return String.valueOf(ThreadLocalRandom.current().nextLong(100_000_000_000L, 999_999_999_999L));
    }

    public static String hex17() {
        byte[] bytes = new byte[9];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes).substring(0, 17);
    }

    /** The aggregate version of the last event published for the image. */
    public long version(String imageId) {
        return versions.getOrDefault(imageId, 0L);
    }

    /** Registers an available image whose root device maps {@code snapshotId} of {@code sizeGib}. */
    public String registered(String imageId, String ownerId, String snapshotId, int sizeGib) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("imageId", imageId);
        data.put("ownerId", ownerId);
        data.put("name", "image " + imageId);
        data.put("architecture", "x86_64");
        data.put("rootDeviceName", "/dev/xvda");
        data.put("rootDeviceType", "ebs");
        data.put("blockDeviceMappings", List.of(Map.of("deviceName", "/dev/xvda",
                "ebs", Map.of("snapshotId", snapshotId, "volumeSize", sizeGib, "volumeType", "gp3",
                        "deleteOnTermination", true))));
        data.put("state", "available");
        data.put("creationDate", now());
        return image(imageId, "ImageRegistered", data);
    }

    /**
     * CreateImage of the owner's instance, as the registry records it: the new image pending, its root device
     * mapping the new snapshot {@code snapshotId} of the instance's root volume.
     */
    public String creationRequested(String imageId, String ownerId, String instanceId, String volumeId,
            String snapshotId, int sizeGib) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("imageId", imageId);
        data.put("ownerId", ownerId);
        data.put("name", "from " + instanceId);
        data.put("sourceInstanceId", instanceId);
        data.put("volumeId", volumeId);
        data.put("snapshotId", snapshotId);
        data.put("architecture", "x86_64");
        data.put("rootDeviceName", "/dev/xvda");
        data.put("blockDeviceMappings", List.of(Map.of("deviceName", "/dev/xvda",
                "ebs", Map.of("snapshotId", snapshotId, "volumeSize", sizeGib, "deleteOnTermination", true))));
        data.put("virtualizationType", "hvm");
        data.put("noReboot", false);
        data.put("creationDate", now());
        return image(imageId, "ImageCreationRequested", data);
    }

    public String copyRequested(String imageId, String ownerId) {
        return image(imageId, "ImageCopyRequested", Map.of("imageId", imageId, "ownerId", ownerId, "name",
                "copy " + imageId, "sourceImageId", imageId(), "sourceRegion", "eu-west-1", "copyImageTags", false,
                "creationDate", now()));
    }

    public String available(String imageId, String snapshotId, int sizeGib) {
        return image(imageId, "ImageAvailable", Map.of("imageId", imageId, "rootDeviceName", "/dev/xvda",
                "blockDeviceMappings", List.of(Map.of("deviceName", "/dev/xvda",
                        "ebs", Map.of("snapshotId", snapshotId, "volumeSize", sizeGib)))));
    }

    public String failed(String imageId) {
        return image(imageId, "ImageFailed", Map.of("imageId", imageId, "stateReason",
                Map.of("code", "Client.CopyFailed", "message", "the copy failed")));
    }

    public String shared(String imageId, List<String> userIds, List<String> groups) {
        return image(imageId, "ImageShared", Map.of("imageId", imageId, "userIds", userIds, "groups", groups));
    }

    public String unshared(String imageId, List<String> userIds, List<String> groups) {
        return image(imageId, "ImageUnshared", Map.of("imageId", imageId, "userIds", userIds, "groups", groups));
    }

    public String disabled(String imageId) {
        return image(imageId, "ImageDisabled", Map.of("imageId", imageId));
    }

    public String enabled(String imageId) {
        return image(imageId, "ImageEnabled", Map.of("imageId", imageId));
    }

    public String deprecated(String imageId) {
        return image(imageId, "ImageDeprecated", Map.of("imageId", imageId, "deprecationTime",
                Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString()));
    }

    public String deregistered(String imageId, String ownerId, String snapshotId) {
        return image(imageId, "ImageDeregistered", Map.of("imageId", imageId, "ownerId", ownerId,
                "deleteSnapshots", false, "snapshotIds", List.of(snapshotId)));
    }

    public String snapshotCompleted(String snapshotId, String ownerId, int sizeGib, long blockCount) {
        return publish("snapshot-events", snapshotId, "SnapshotCompleted", 2, "snapshot-service",
                Map.of("snapshotId", snapshotId, "ownerId", ownerId, "volumeSize", sizeGib, "blockCount", blockCount,
                        "aggregateChecksum", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                        "completionTime", now()));
    }

    /** A snapshot's tags changed after it was started: nothing a launch needs, so the read model must ignore it. */
    public String snapshotTagged(String snapshotId, String ownerId) {
        return publish("snapshot-events", snapshotId, "SnapshotTagged", 3, "snapshot-service",
                Map.of("snapshotId", snapshotId, "ownerId", ownerId, "tags", List.of(Map.of("key", "team", "value", "os"))));
    }

    public String snapshotDeleted(String snapshotId, String ownerId) {
        return publish("snapshot-events", snapshotId, "SnapshotDeleted", 3, "snapshot-service",
                Map.of("snapshotId", snapshotId, "ownerId", ownerId));
    }

    /** Publishes the very same record again, as a redelivering broker or a retrying producer would. */
    public static void republish(String topic, String key, String json) {
        TopicTap.publish(bootstrap(), topic, key, json);
    }

    private String image(String imageId, String type, Map<String, Object> data) {
        long version = versions.merge(imageId, 1L, Long::sum);
        return publish("image-events", imageId, type, version, "registry-service", data);
    }

    private static String publish(String topic, String subject, String type, long version, String service,
            Map<String, Object> data) {
        ObjectNode envelope = EventJson.MAPPER.createObjectNode();
        envelope.put("specversion", "1.0");
        envelope.put("id", UUID.randomUUID().toString());
        envelope.put("source", "/regions/" + REGION + "/" + service);
        envelope.put("type", type);
        envelope.put("subject", subject);
        envelope.put("time", now());
        envelope.put("datacontenttype", "application/json");
        envelope.put("region", REGION);
        envelope.put("aggregateversion", version);
        envelope.put("schemaversion", 1);
        envelope.set("data", EventJson.MAPPER.valueToTree(data));
        String json = envelope.toString();
        EventContract.assertConforms(json);
        TopicTap.publish(bootstrap(), topic, subject, json);
        return json;
    }

    static String bootstrap() {
        return RegionTestResource.region().kafka().bootstrapServers();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
