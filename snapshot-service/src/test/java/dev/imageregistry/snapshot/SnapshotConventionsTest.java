package dev.imageregistry.snapshot;

import java.util.List;
import java.util.Map;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.ServiceConventionsContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class SnapshotConventionsTest extends ServiceConventionsContract {

    /** POST /admin/garbage-collection, and the platform's GET /admin/read-models and POST /admin/read-models/{name}/rebuild. */
    @Override
    protected int expectedOperatorCalls() {
        return 3;
    }

    @Override
    protected List<String> readinessChecks() {
        return List.of("Database connections health check", "Kafka connection health check", "S3 block store");
    }

    @Override
    protected String region() {
        return "us-east-1";
    }

    /** A completed snapshot of the owner, with a block in it. */
    @Override
    protected Map<String, String> privateResourcesOf(String owner) {
        return Map.of("snapshot", SnapshotFixture.snapshotOf(owner, null, SnapshotFixture.block(501)));
    }
}
