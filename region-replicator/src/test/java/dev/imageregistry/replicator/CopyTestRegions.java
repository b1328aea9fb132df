package dev.imageregistry.replicator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.TopicTap;
import io.minio.MinioClient;

/**
 * The two Regions of the copy tests as they look at them: the source Region (played by {@link SourceRegionFixture})
 * and this Region's copy-events and bucket, which the replicator under test writes.
 */
abstract class CopyTestRegions {
    static SourceRegionFixture source;
    static TopicTap copyEvents;
    static MinioClient destination;

    @BeforeAll
    static void connect() {
        source = SourceRegionFixture.get();
        var region = RegionTestResource.region();
        copyEvents = new TopicTap(region.kafka().bootstrapServers(), "copy-events");
        destination = MinioClient.builder().endpoint(region.s3().endpoint())
                .credentials(region.s3().accessKey(), region.s3().secretKey()).region("us-east-1").build();
    }

    @AfterAll
    static void close() {
        copyEvents.close();
    }
}
