package dev.imageregistry.replicator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import dev.imageregistry.infra.FreePort;
import dev.imageregistry.infra.KafkaBroker;
import dev.imageregistry.infra.S3Server;
import dev.imageregistry.infra.testing.EventContract;
import dev.imageregistry.infra.testing.SwitchableProxy;
import dev.imageregistry.infra.testing.TopicTap;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;

/**
 * The source Region of the copy tests: its own Kafka broker and S3 server, and the events its registry and
 * snapshot-service would publish (built to the contract, and validated against it).
 */
final class SourceRegionFixture {
    static final String REGION = "us-east-1";
    static final int BLOCK = 512 * 1024;
    /** The SCRAM user this Region's peer listener knows eu-west-1's replicator by. */
    static final String PEER_USER = "region-replicator-eu-west-1";
    static final String PEER_PASSWORD = "peer-password-" + UUID.randomUUID();
    /** The S3 user this Region's blocks are read with by eu-west-1 (what a read-only MinIO user would be). */
    static final String PEER_S3_USER = "region-replicator-eu-west-1";
    static final String PEER_S3_SECRET = "peer-s3-secret-" + UUID.randomUUID();

    private static SourceRegionFixture shared;

    final KafkaBroker kafka;
    final S3Server s3;
    /** A TCP link to the HTTPS endpoint that tests can cut: the only way the replicator reaches these blocks. */
    final SwitchableProxy s3Link;
    /** The CA file the replicator trusts this Region's HTTPS endpoint with (a copy of its certificate). */
    final Path trustedCa;
    final MinioClient client;
    private final AtomicLong version = new AtomicLong();
    private final Random random = new Random(7);

    private SourceRegionFixture(KafkaBroker kafka, S3Server s3, SwitchableProxy s3Link, Path trustedCa) {
        this.kafka = kafka;
        this.s3 = s3;
        this.s3Link = s3Link;
        this.trustedCa = trustedCa;
        this.client = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .region("us-east-1").build();
    }

    static synchronized SourceRegionFixture get() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("source-region-");
                // With the listener a peer in another cluster would use (SASL_SSL, SCRAM): PeerOverTlsTest reads
                // this Region through it only; the other tests use the plaintext one.
                KafkaBroker kafka = KafkaBroker.startWithPeerListener(dir.resolve("kafka"));
                kafka.addScramUser(PEER_USER, PEER_PASSWORD);
                kafka.createTopics(List.of("image-events", "snapshot-events", "copy-events"), 3);
                // Blocks are served to peers over HTTPS only, with a user of their own; the admin pair (which the
                // tests write with, over plain HTTP) is not the destination's, so a replicator that fell back to its
                // shared pair would be refused.
                S3Server s3 = S3Server.startWithPeerEndpoint(dir.resolve("s3"), "source-admin-key",
                        "source-admin-secret-0123456789", PEER_S3_USER, PEER_S3_SECRET);
                URI target = URI.create(s3.peerEndpoint());
                SwitchableProxy link = new SwitchableProxy(FreePort.next(), target.getHost(), target.getPort());
                link.connect();
                Path trustedCa = Files.copy(s3.peerCertificate(), dir.resolve("trusted-s3-ca.crt"));
                shared = new SourceRegionFixture(kafka, s3, link, trustedCa);
                if (!shared.client.bucketExists(BucketExistsArgs.builder().bucket("blocks").build())) {
                    shared.client.makeBucket(MakeBucketArgs.builder().bucket("blocks").build());
                }
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    s3.close();
                    kafka.close();
                }));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return shared;
    }

    /** The source's blocks as the replicator reaches them: HTTPS through {@link #s3Link}. */
    String peerS3Endpoint() {
        return "https://" + URI.create(s3Link.endpoint()).getAuthority();
    }

    /** A block of random content (or a copy of an existing one), stored in the source bucket. */
    byte[] newBlock() {
        byte[] data = new byte[BLOCK];
        random.nextBytes(data);
        return data;
    }

    String store(byte[] data) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(data);
            client.putObject(PutObjectArgs.builder().bucket("blocks").object("blocks/" + HexFormat.of().formatHex(sha))
                    .stream(new ByteArrayInputStream(data), data.length, -1).build());
            return Base64.getEncoder().encodeToString(sha);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Overwrites a stored block's object with other bytes, as a faulty disk or an attacker would. */
    void tamper(String checksum) {
        try {
            byte[] other = newBlock();
            client.putObject(PutObjectArgs.builder().bucket("blocks")
                    .object("blocks/" + HexFormat.of().formatHex(Base64.getDecoder().decode(checksum)))
                    .stream(new ByteArrayInputStream(other), other.length, -1).build());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] read(MinioClient from, String checksum) {
        try (var in = from.getObject(GetObjectArgs.builder().bucket("blocks")
                .object("blocks/" + HexFormat.of().formatHex(Base64.getDecoder().decode(checksum))).build())) {
            return in.readAllBytes();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes a completed snapshot's block map (as the source snapshot-service does) and returns its ID. */
    String snapshot(String owner, List<String> checksums) {
        SortedMap<Integer, String> map = new TreeMap<>();
        for (int i = 0; i < checksums.size(); i++) {
            map.put(i, checksums.get(i));
        }
        String snapshotId = id("snap-");
        mapParts(snapshotId, owner, null, map, checksums, Math.max(1, map.size()))
                .forEach(event -> publish("snapshot-events", snapshotId, event));
        return snapshotId;
    }

    /**
     * Publishes the map of a snapshot taken from a volume made from {@code baseSnapshotId} (SnapshotBlocksOverlaid,
     * as the source snapshot-service does for CreateImage and CreateSnapshot) and returns its ID: the blocks the
     * volume wrote, {@code perPart} to a part, with the count and checksum of {@code resolved}, the full map its
     * producer resolved (its checksums in index order).
     */
    String overlaid(String owner, String baseSnapshotId, SortedMap<Integer, String> written, List<String> resolved,
            int perPart) {
        String snapshotId = id("snap-");
        mapParts(snapshotId, owner, baseSnapshotId, written, resolved, perPart)
                .forEach(event -> publish("snapshot-events", snapshotId, event));
        return snapshotId;
    }

    /**
     * The events of a snapshot's map, as snapshot-events carries them (checked against the contract):
     * SnapshotBlocksRecorded parts of the full map, or with a base SnapshotBlocksOverlaid parts of the layer.
     */
    List<String> mapParts(String snapshotId, String owner, String baseSnapshotId, SortedMap<Integer, String> blocks,
            List<String> resolved, int perPart) {
        String mapChecksum = mapChecksum(resolved);
        List<Map.Entry<Integer, String>> entries = new ArrayList<>(blocks.entrySet());
        int parts = Math.max(1, (entries.size() + perPart - 1) / perPart);
        List<String> events = new ArrayList<>();
        for (int part = 1; part <= parts; part++) {
            StringBuilder json = new StringBuilder();
            for (Map.Entry<Integer, String> block : entries.subList((part - 1) * perPart,
                    Math.min(entries.size(), part * perPart))) {
                json.append(json.isEmpty() ? "" : ",").append("{\"index\":").append(block.getKey())
                        .append(",\"checksum\":\"").append(block.getValue()).append("\"}");
            }
            String data = "{\"snapshotId\":\"" + snapshotId + "\",\"ownerId\":\"" + owner + "\",\"volumeSize\":8,"
                    + (baseSnapshotId != null ? "\"baseSnapshotId\":\"" + baseSnapshotId + "\",\"blockCount\":"
                            + resolved.size() + "," : "")
                    + "\"part\":" + part + ",\"parts\":" + parts + ",\"mapChecksum\":\"" + mapChecksum
                    + "\",\"blocks\":[" + json + "]}";
            events.add(envelope(snapshotId, "snapshot-service",
                    baseSnapshotId != null ? "SnapshotBlocksOverlaid" : "SnapshotBlocksRecorded", part + 1, data));
        }
        return events;
    }

    /** Publishes SnapshotDeleted for {@code snapshotId}. */
    void deleteSnapshot(String owner, String snapshotId) {
        // Its version is of no concern to the replicator, which reads only that the snapshot is gone.
        publish("snapshot-events", snapshotId, "snapshot-service", "SnapshotDeleted", 3,
                "{\"snapshotId\":\"" + snapshotId + "\",\"ownerId\":\"" + owner + "\"}");
    }

    /** EBS's LINEAR checksum of a map: SHA-256 over its blocks' raw SHA-256s, in index order. */
    static String mapChecksum(List<String> checksums) {
        try {
            MessageDigest map = MessageDigest.getInstance("SHA-256");
            for (String checksum : checksums) {
                map.update(Base64.getDecoder().decode(checksum));
            }
            return Base64.getEncoder().encodeToString(map.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes ImageRegistered for an image mapping {@code snapshotIds} and returns its ID. */
    String image(String owner, List<String> snapshotIds) {
        String imageId = id("ami-");
        List<String> mappings = new ArrayList<>();
        for (int i = 0; i < snapshotIds.size(); i++) {
            mappings.add("{\"deviceName\":\"/dev/xvd" + (char) ('a' + i) + "\",\"ebs\":{\"snapshotId\":\""
                    + snapshotIds.get(i) + "\",\"volumeSize\":8,\"volumeType\":\"gp3\",\"deleteOnTermination\":true}}");
        }
        publish("image-events", imageId, "registry-service", "ImageRegistered", 1, "{\"imageId\":\"" + imageId
                + "\",\"ownerId\":\"" + owner + "\",\"name\":\"image " + imageId + "\",\"architecture\":\"arm64\","
                + "\"rootDeviceName\":\"/dev/xvda\",\"rootDeviceType\":\"ebs\",\"virtualizationType\":\"hvm\","
                + "\"bootMode\":\"uefi\",\"enaSupport\":true,\"state\":\"available\","
                + "\"tags\":[{\"key\":\"team\",\"value\":\"platform\"}],"
                + "\"creationDate\":\"" + Instant.now() + "\",\"blockDeviceMappings\":[" + String.join(",", mappings) + "]}");
        return imageId;
    }

    void share(String imageId, String account) {
        publish("image-events", imageId, "registry-service", "ImageShared", 2,
                "{\"imageId\":\"" + imageId + "\",\"userIds\":[\"" + account + "\"],\"groups\":[]}");
    }

    void publish(String topic, String subject, String service, String type, long aggregateVersion, String data) {
        publish(topic, subject, envelope(subject, service, type, aggregateVersion, data));
    }

    void publish(String topic, String subject, String envelope) {
        TopicTap.publish(kafka.bootstrapServers(), topic, subject, envelope);
        version.incrementAndGet();
    }

    /** An event of this Region, checked against the contract. */
    static String envelope(String subject, String service, String type, long aggregateVersion, String data) {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"/regions/" + REGION
                + "/" + service + "\",\"type\":\"" + type + "\",\"subject\":\"" + subject + "\",\"time\":\""
                + Instant.now() + "\",\"datacontenttype\":\"application/json\",\"region\":\"" + REGION
                + "\",\"aggregateversion\":" + aggregateVersion + ",\"schemaversion\":1,\"data\":" + data + "}";
        EventContract.assertConforms(envelope);
        return envelope;
    }

    static String id(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 17);
    }
}
