package dev.imageregistry.launch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.launch.persistence.LaunchableImages;
import dev.imageregistry.launch.consumers.TransitionWorker;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.outbox.EventStore;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Several transition workers (as several replicas would run) draining the same queue while launches arrive:
 * each instance is advanced exactly once, and no worker ever collides with another.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "launch"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class TransitionWorkerReplicasTest {
    private final RegistryPlayer registry = new RegistryPlayer();
    private final Api caller = new Api(RegistryPlayer.account());

    @Inject
    TransitionWorker worker;
    @Inject
    EventStore events;
    @Inject
    LaunchableImages images;

    @Test
    void concurrentWorkersAdvanceEachInstanceExactlyOnce() throws Exception {
        String image = RegistryPlayer.imageId();
        registry.registered(image, caller.account(), RegistryPlayer.snapshotId(), 1);
        await().atMost(Duration.ofSeconds(15)).until(() -> images.mayLaunch(caller.account(), image));

        AtomicBoolean launching = new AtomicBoolean(true);
        ExecutorService replicas = Executors.newFixedThreadPool(3);
        List<Future<Integer>> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            workers.add(replicas.submit(() -> {
                int advanced = 0;
                while (launching.get()) {
                    int batch = worker.advanceBatch(); // throws on a conflict with another worker
                    advanced += batch;
                    if (batch == 0) {
                        // an idle replica polls again shortly (production: launch.transitions.interval)
                        LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
                    }
                }
                return advanced;
            }));
        }
        List<String> launched = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 10; i++) {
            launched.addAll(caller.run(Api.request(image, 4, 4)).statusCode(200).extract()
                    .<List<String>>path("Instances.InstanceId"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> caller.as().queryParam("Filter.1.Name", "instance-state-name")
                .queryParam("Filter.1.Value.1", "running").get("/instances").then().statusCode(200).extract()
                .<List<String>>path("Reservations.Instances.flatten().InstanceId").size() == 40);
        launching.set(false);
        for (Future<Integer> w : workers) {
            w.get(30, TimeUnit.SECONDS);
        }
        replicas.shutdown();

        assertEquals(40, launched.size());
        for (String id : launched) {
            List<EventEnvelope> stream = events.load(id);
            assertEquals(List.of("InstanceLaunched", "InstanceStateChanged"), stream.stream().map(EventEnvelope::type).toList(),
                    id + " was advanced exactly once");
            assertTrue(stream.get(1).data().get("currentState").asText().equals("running"));
        }
    }
}
