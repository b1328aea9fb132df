package dev.imageregistry.replicator;

import java.util.HashMap;
import java.util.Map;

import dev.imageregistry.infra.RegionTestResource;

/**
 * The destination Region (eu-west-1: this replicator, its database, broker and bucket) plus a separate source
 * Region (us-east-1: its own broker and S3 server, reached through a proxy the tests can cut).
 * <p>
 * us-east-1 is reached as a Region in another cluster is: its Kafka only through its SASL_SSL (SCRAM-SHA-512)
 * listener, trusting its certificate, with this replicator's password. A third Region, {@value #REFUSED}, points at
 * that same listener with a wrong password (PeerOverTlsTest); it never gets in, so it shares no consumer group.
 * us-east-1's blocks are read over HTTPS only, trusting its certificate through a CA file (which PeerOverTlsTest
 * replaces for a while), with a key pair of its own: the shared pair is this Region's own, as deployed by default,
 * and the source does not know it.
 */
public class TwoRegionTestResource extends RegionTestResource {
    static final String REGION = "eu-west-1";
    static final String REFUSED = "eu-south-2";

    @Override
    public void init(Map<String, String> initArgs) {
        Map<String, String> args = new HashMap<>(initArgs);
        args.put("database", "replicator");
        args.put("topics", "image-events,snapshot-events,instance-events,copy-events");
        args.put("bucket", "blocks");
        super.init(args);
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        SourceRegionFixture source = SourceRegionFixture.get();
        config.put("imageregistry.region", REGION);
        // As deployed: only the other Region is listed (this one is still a destination of copies to several
        // Regions, its own copy-events being followed regardless).
        String overTls = source.kafka.peerBootstrapServers() + "|" + source.peerS3Endpoint();
        config.put("imageregistry.replicator.regions", SourceRegionFixture.REGION + "=" + overTls + "," + REFUSED + "="
                + overTls);
        source.kafka.peerClientSettings(SourceRegionFixture.PEER_USER, SourceRegionFixture.PEER_PASSWORD)
                .forEach((key, value) -> config.put(peerKafka(SourceRegionFixture.REGION, key), value));
        source.kafka.peerClientSettings(SourceRegionFixture.PEER_USER, "not-" + SourceRegionFixture.PEER_PASSWORD)
                .forEach((key, value) -> config.put(peerKafka(REFUSED, key), value));
        config.put("imageregistry.replicator.source-access-key", config.get("quarkus.minio.access-key"));
        config.put("imageregistry.replicator.source-secret-key", config.get("quarkus.minio.secret-key"));
        config.put(peerS3(SourceRegionFixture.REGION, "ca-file"), source.trustedCa.toString());
        config.put(peerS3(SourceRegionFixture.REGION, "access-key"), SourceRegionFixture.PEER_S3_USER);
        config.put(peerS3(SourceRegionFixture.REGION, "secret-key"), SourceRegionFixture.PEER_S3_SECRET);
        config.put("imageregistry.replicator.source-bucket", "blocks");
        // Short: "not found" is concluded only from a source stream read to its end, so a busy machine cannot turn
        // a late event into a false NotFound; and PeerOverTlsTest sees the refused copy outlive it.
        config.put("imageregistry.replicator.lookup-timeout", "5s");
        config.put("imageregistry.replicator.progress-interval", "200ms");
        return config;
    }

    static String peerKafka(String region, String property) {
        return "imageregistry.replicator.peer-kafka." + region + "." + property;
    }

    static String peerS3(String region, String setting) {
        return "imageregistry.replicator.peer-s3." + region + "." + setting;
    }
}
