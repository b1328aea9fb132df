package dev.imageregistry.snapshot;

import static io.restassured.RestAssured.given;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.S3Server;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.TopicTap;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Test helpers: a client of the snapshot API, block contents, the bucket, and the registry's events. */
final class SnapshotFixture {
    static final int BLOCK = 524_288;
    static final String BUCKET = "snapshot-blocks";
    static final String OWNER = "111122223333";
    static final String OTHER = "444455556666";
    static final String STRANGER = "777788889999";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SnapshotFixture() {
    }

    static String token(String account) {
        return RegionTestResource.tokens().token(account);
    }

    /** The Region's operator's token (the {@code /admin} calls). */
    static String operatorToken() {
        return RegionTestResource.tokens().operatorToken();
    }

    static String start(String account, int volumeSize, String parent) {
        ObjectNode body = JSON.createObjectNode().put("VolumeSize", volumeSize);
        if (parent != null) {
            body.put("ParentSnapshotId", parent);
        }
        return given().auth().oauth2(token(account)).contentType(ContentType.JSON).body(body.toString())
                .post("/snapshots").then().statusCode(201).extract().path("SnapshotId");
    }

    static Response put(String account, String snapshotId, long index, byte[] data, String checksum) {
        return given().auth().oauth2(token(account)).contentType("application/octet-stream")
                .header("x-amz-Checksum", checksum).header("x-amz-Checksum-Algorithm", "SHA256")
                .header("x-amz-Data-Length", data.length).body(data)
                .put("/snapshots/" + snapshotId + "/blocks/" + index);
    }

    static void put(String account, String snapshotId, long index, byte[] data) {
        put(account, snapshotId, index, data, sha(data)).then().statusCode(201);
    }

    /** CompleteSnapshot on EBS's wire: the count and the LINEAR aggregate in headers, 202 {Status}. */
    static Response completion(String account, String snapshotId, long changed, String aggregate) {
        var request = given().auth().oauth2(token(account)).header("x-amz-ChangedBlocksCount", changed)
                .header("x-amz-Checksum-Algorithm", "SHA256").header("x-amz-Checksum-Aggregation-Method", "LINEAR");
        if (aggregate != null) {
            request = request.header("x-amz-Checksum", aggregate);
        }
        return request.post("/snapshots/completion/" + snapshotId);
    }

    static String complete(String account, String snapshotId, long changed, String aggregate) {
        return completion(account, snapshotId, changed, aggregate).then().statusCode(202).extract().path("Status");
    }

    /**
     * A timestamp of the EBS wire: a JSON number of seconds since the epoch (rest-json's default). Read as a decimal:
     * rest-assured's default float would round today's epoch seconds to about two minutes.
     */
    static Instant epochSeconds(io.restassured.path.json.JsonPath json, String path) {
        Object value = json.using(new io.restassured.path.json.config.JsonPathConfig(
                io.restassured.path.json.config.JsonPathConfig.NumberReturnType.BIG_DECIMAL)).get(path);
        if (!(value instanceof Number number)) {
            throw new AssertionError(path + " is not a JSON number: " + value);
        }
        return Instant.ofEpochMilli(new java.math.BigDecimal(number.toString()).movePointRight(3).longValue());
    }

    /** An EBS refusal: the model's status, x-amzn-ErrorType, and {Message, Reason} (no Reason: the shape has none). */
    static void refusedAs(Response answer, int status, String type, String reason) {
        answer.then().statusCode(status).header("x-amzn-ErrorType", type).contentType(ContentType.JSON)
                .body("Message", org.hamcrest.Matchers.notNullValue(), "Reason", org.hamcrest.Matchers.is(reason),
                        "Errors", org.hamcrest.Matchers.nullValue());
    }

    /** Another account's snapshot, or one that does not exist, on an EBS call. */
    static void notFound(Response answer) {
        refusedAs(answer, 404, "ResourceNotFoundException", "SNAPSHOT_NOT_FOUND");
    }

    static void invalid(Response answer, String reason) {
        refusedAs(answer, 400, "ValidationException", reason);
    }

    /** Writes the blocks at indexes 0..n-1 and completes the snapshot with the right count and checksum. */
    static String snapshotOf(String account, String parent, byte[]... blocks) {
        String id = start(account, 1, parent);
        for (int i = 0; i < blocks.length; i++) {
            put(account, id, i, blocks[i]);
        }
        org.junit.jupiter.api.Assertions.assertEquals("completed",
                complete(account, id, blocks.length, aggregate(List.of(blocks))));
        return id;
    }

    static byte[] block(long seed) {
        byte[] data = new byte[BLOCK];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < BLOCK; i += 8) {
            long v = random.nextLong();
            for (int b = 0; b < 8; b++) {
                data[i + b] = (byte) (v >>> (8 * b));
            }
        }
        return data;
    }

    static String sha(byte[] data) {
        return Base64.getEncoder().encodeToString(digest().digest(data));
    }

    static String hex(byte[] data) {
        return java.util.HexFormat.of().formatHex(digest().digest(data));
    }

    /** EBS's LINEAR aggregate: SHA-256 over the blocks' SHA-256s, in index order. */
    static String aggregate(List<byte[]> blocksInIndexOrder) {
        MessageDigest aggregate = digest();
        blocksInIndexOrder.forEach(b -> aggregate.update(digest().digest(b)));
        return Base64.getEncoder().encodeToString(aggregate.digest());
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static MinioClient bucketClient() {
        S3Server s3 = RegionTestResource.region().s3();
        return MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .region("us-east-1").build();
    }

    /** The block objects really in the bucket. */
    static List<String> objectKeys() {
        try {
            List<String> keys = new java.util.ArrayList<>();
            for (var item : bucketClient().listObjects(ListObjectsArgs.builder().bucket(BUCKET).prefix("blocks/")
                    .recursive(true).build())) {
                keys.add(item.get().objectName());
            }
            return keys;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String bootstrap() {
        return RegionTestResource.region().kafka().bootstrapServers();
    }

    /** Publishes an image event as registry-service would, after checking it against the contract. */
    static void publishImageEvent(String type, String imageId, long version, ObjectNode data) {
        ObjectNode envelope = JSON.createObjectNode().put("specversion", "1.0").put("id", UUID.randomUUID().toString())
                .put("source", "/regions/us-east-1/registry-service").put("type", type).put("subject", imageId)
                .put("time", Instant.now().toString()).put("datacontenttype", "application/json")
                .put("region", "us-east-1").put("aggregateversion", version).put("schemaversion", 1);
        envelope.set("data", data);
        String json = envelope.toString();
        EventContract.assertConforms(json);
        TopicTap.publish(bootstrap(), "image-events", imageId, json);
    }

    static String imageId() {
        return "ami-" + UUID.randomUUID().toString().replace("-", "").substring(0, 17);
    }

    static void imageRegistered(String imageId, String owner, String... snapshotIds) {
        ObjectNode data = JSON.createObjectNode().put("imageId", imageId).put("ownerId", owner)
                .put("name", "image " + imageId).put("architecture", "x86_64").put("rootDeviceName", "/dev/xvda")
                .put("state", "available").put("creationDate", Instant.now().toString());
        var mappings = data.putArray("blockDeviceMappings");
        for (int i = 0; i < snapshotIds.length; i++) {
            mappings.addObject().put("deviceName", "/dev/xvd" + (char) ('a' + i)).putObject("ebs")
                    .put("snapshotId", snapshotIds[i]).put("volumeSize", 1);
        }
        publishImageEvent("ImageRegistered", imageId, 1, data);
    }

    static void imageShared(String imageId, long version, String... accounts) {
        ObjectNode data = JSON.createObjectNode().put("imageId", imageId);
        var users = data.putArray("userIds");
        for (String account : accounts) {
            users.add(account);
        }
        data.putArray("groups");
        publishImageEvent("ImageShared", imageId, version, data);
    }

    static void imageDeregistered(String imageId, long version, String owner, boolean deleteSnapshots,
            String... snapshotIds) {
        ObjectNode data = JSON.createObjectNode().put("imageId", imageId).put("ownerId", owner)
                .put("deleteSnapshots", deleteSnapshots);
        var ids = data.putArray("snapshotIds");
        for (String id : snapshotIds) {
            ids.add(id);
        }
        publishImageEvent("ImageDeregistered", imageId, version, data);
    }
}
