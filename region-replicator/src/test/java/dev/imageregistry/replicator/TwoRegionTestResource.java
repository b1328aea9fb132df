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
        String overTls = source.kafka.peerBootstrapServers() + "|" + source.s3Link.endpoint();
        config.put("imageregistry.replicator.regions", SourceRegionFixture.REGION + "=" + overTls + "," + REFUSED + "="
                + overTls);
        source.kafka.peerClientSettings(SourceRegionFixture.PEER_USER, SourceRegionFixture.PEER_PASSWORD)
                .forEach((key, value) -> config.put(peerKafka(SourceRegionFixture.REGION, key), value));
        source.kafka.peerClientSettings(SourceRegionFixture.PEER_USER, "not-" + SourceRegionFixture.PEER_PASSWORD)
                .forEach((key, value) -> config.put(peerKafka(REFUSED, key), value));
        config.put("imageregistry.replicator.source-access-key", source.s3.accessKey());
        config.put("imageregistry.replicator.source-secret-key", source.s3.secretKey());
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
}
