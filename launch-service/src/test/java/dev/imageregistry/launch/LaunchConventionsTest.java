package dev.imageregistry.launch;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.ServiceConventionsContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "launch"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class LaunchConventionsTest extends ServiceConventionsContract {

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

    /** A private image of the owner (played as the registry announces it) and a running instance of it, with its volume. */
    @Override
    protected Map<String, String> privateResourcesOf(String owner) {
        RegistryPlayer registry = new RegistryPlayer();
        Api api = new Api(owner);
        String image = RegistryPlayer.imageId();
        String snapshot = RegistryPlayer.snapshotId();
        registry.snapshotCompleted(snapshot, owner, 1, 10);
        registry.registered(image, owner, snapshot, 1);
        String[] instance = new String[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var launched = api.run(image).extract();
            instance[0] = launched.statusCode() == 200 ? launched.path("Instances[0].InstanceId") : null;
            return instance[0] != null;
        });
        // Running, so that no transition of its own is stored while the matrix counts the events.
        await().atMost(Duration.ofSeconds(30)).until(() -> "running".equals(api.state(instance[0])));
        String volume = api.as().queryParam("InstanceId", instance[0]).get("/instances").then().statusCode(200)
                .extract().path("Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId");
        Map<String, String> owned = new HashMap<>(Map.of("image", image, "snapshot", snapshot, "instance", instance[0]));
        if (volume != null) {
            owned.put("volume", volume);
        }
        return owned;
    }
}
