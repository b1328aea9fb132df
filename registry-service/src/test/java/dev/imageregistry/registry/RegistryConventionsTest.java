package dev.imageregistry.registry;

import java.util.List;
import java.util.Map;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.ServiceConventionsContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "registry"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class RegistryConventionsTest extends ServiceConventionsContract {

    /** The platform's read-model calls: GET /admin/read-models and POST /admin/read-models/{name}/rebuild. */
    @Override
    protected int expectedOperatorCalls() {
        return 2;
    }

    @Override
    protected List<String> readinessChecks() {
        return List.of("Database connections health check", "Kafka connection health check");
    }

    @Override
    protected String region() {
        return "us-east-1";
    }

    /** A private image of the owner, on a completed snapshot of its own. */
    @Override
    protected Map<String, String> privateResourcesOf(String owner) {
        String snapshot = RegistryFixtures.completedSnapshot(database, owner, 8);
        String image = RegistryFixtures.register(owner, RegistryFixtures.uniqueName("matrix"), snapshot);
        return Map.of("image", image, "snapshot", snapshot);
    }
}
