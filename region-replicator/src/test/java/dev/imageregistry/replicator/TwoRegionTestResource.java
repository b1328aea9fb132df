package dev.imageregistry.replicator;

import java.util.HashMap;
import java.util.Map;

import dev.imageregistry.infra.RegionTestResource;

/**
 * The destination Region (eu-west-1: this replicator, its database, broker and bucket) plus a separate source
 * Region (us-east-1: its own broker and S3 server, reached through a proxy the tests can cut).
 */
public class TwoRegionTestResource extends RegionTestResource {
    static final String REGION = "eu-west-1";

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
        config.put("imageregistry.replicator.regions", SourceRegionFixture.REGION + "="
                + source.kafka.bootstrapServers() + "|" + source.s3Link.endpoint());
        config.put("imageregistry.replicator.source-access-key", source.s3.accessKey());
        config.put("imageregistry.replicator.source-secret-key", source.s3.secretKey());
        config.put("imageregistry.replicator.source-bucket", "blocks");
        config.put("imageregistry.replicator.lookup-timeout", "15s");
        config.put("imageregistry.replicator.progress-interval", "200ms");
        return config;
    }
}
