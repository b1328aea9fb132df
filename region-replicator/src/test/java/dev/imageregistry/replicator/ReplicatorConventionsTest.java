package dev.imageregistry.replicator;

import java.util.List;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.ServiceConventionsContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "replicator"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "replicator-blocks") })
class ReplicatorConventionsTest extends ServiceConventionsContract {

    @Override
    protected int expectedOperatorCalls() {
        // The platform's read-model calls (list, rebuild), which every service has; the replicator has no read model yet.
        return 2;
    }

    @Override
    protected List<String> readinessChecks() {
        return List.of("Database connections health check", "Kafka connection health check", "S3 block store");
    }

    @Override
    protected String region() {
        return "us-east-1";
    }

    /** The peer Regions (their Kafka, their S3, how far their streams were read) sit beside persistence. */
    @Override
    protected List<String> adapterPackages() {
        return List.of("regions");
    }
}
