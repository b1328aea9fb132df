package dev.imageregistry.launch;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.launch.domain.LaunchableImage;
import dev.imageregistry.launch.persistence.LaunchableImages;
import dev.imageregistry.platform.persistence.Jdbc;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The launchable-images read model: duplicates change nothing, and a rebuild from the topics equals the live view. */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "launch"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class LaunchableImagesReadModelTest {
    private final RegistryPlayer registry = new RegistryPlayer();
    private final String owner = RegistryPlayer.account();
    private final String friend = RegistryPlayer.account();

    @Inject
    LaunchableImages images;
    @Inject
    Jdbc jdbc;

    @Test
    void aRedeliveredEventChangesNothing() {
        String image = RegistryPlayer.imageId();
        registry.registered(image, owner, RegistryPlayer.snapshotId(), 1);
        String shared = registry.shared(image, List.of(friend), List.of("all"));
        registry.unshared(image, List.of(friend), List.of("all"));
        awaitApplied(image);
        assertFalse(images.mayLaunch(friend, image));
        String before = dump();

        // the broker delivers the share again (same event ID); then a marker event proves it was consumed past it
        RegistryPlayer.republish("image-events", image, shared);
        registry.deprecated(image);
        awaitApplied(image);
        assertFalse(images.mayLaunch(friend, image), "a redelivered share must not undo the revocation");
        assertEquals(before.replaceAll("deprecation=[^,]*,", "").replaceAll("version=\\d+", ""),
                dump().replaceAll("deprecation=[^,]*,", "").replaceAll("version=\\d+", ""));
    }

    @Test
    void rebuildFromTheTopicsEqualsTheLiveView() {
        String kept = RegistryPlayer.imageId();
        String snapshot = RegistryPlayer.snapshotId();
        registry.snapshotCompleted(snapshot, owner, 3, 99);
        registry.snapshotTagged(snapshot, owner);
        registry.registered(kept, owner, snapshot, 3);
        registry.shared(kept, List.of(friend, RegistryPlayer.account()), List.of());
        registry.deprecated(kept);
        String disabled = RegistryPlayer.imageId();
        registry.registered(disabled, owner, RegistryPlayer.snapshotId(), 1);
        registry.shared(disabled, List.of(), List.of("all"));
        registry.unshared(disabled, List.of(), List.of("all"));
        registry.disabled(disabled);
        String copy = RegistryPlayer.imageId();
        registry.copyRequested(copy, owner);
        registry.available(copy, RegistryPlayer.snapshotId(), 5);
        String gone = RegistryPlayer.imageId();
        String goneSnapshot = RegistryPlayer.snapshotId();
        registry.registered(gone, owner, goneSnapshot, 1);
        registry.deregistered(gone, owner, goneSnapshot);
        registry.snapshotDeleted(goneSnapshot, owner);
        for (String image : List.of(kept, disabled, copy, gone)) {
            awaitApplied(image);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> images.snapshotDeleted(goneSnapshot));
        assertTrue(images.mayLaunch(friend, kept));
        String live = dump();

        Api.asOperator().post("/admin/read-models/launchable-images/rebuild").then().statusCode(200)
                .body("ReadModel", equalTo("launchable-images"));
        assertEquals(live, dump());
        assertTrue(images.mayLaunch(friend, kept));
        new Api(friend).run(kept).statusCode(200);
        new Api(owner).run(disabled).statusCode(400).body("Errors[0].Code", equalTo("InvalidAMIID.Unavailable"));

        Api.asOperator().post("/admin/read-models/nothing/rebuild").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidParameterValue"));
    }

    /** The whole read model as text, in a stable order. */
    private String dump() {
        return String.join("\n", jdbc.query("select image_id, owner_id, state, disabled, public, root_device_name, "
                + "root_snapshot_id, root_volume_size, delete_on_termination, deprecation_time, version, "
                + "(select string_agg(account, ',' order by account) from launch_image_permission p "
                + "where p.image_id = i.image_id) from launch_image i order by image_id",
                rs -> rs.getString(1) + " owner=" + rs.getString(2) + " state=" + rs.getString(3) + " disabled="
                        + rs.getBoolean(4) + " public=" + rs.getBoolean(5) + " root=" + rs.getString(6) + ":"
                        + rs.getString(7) + ":" + rs.getInt(8) + ":" + rs.getBoolean(9) + " deprecation="
                        + rs.getString(10) + ", version=" + rs.getLong(11) + " shared=" + rs.getString(12)))
                + "\n" + String.join("\n", jdbc.query("select snapshot_id, block_count, volume_size, deleted "
                        + "from launch_snapshot order by snapshot_id", rs -> rs.getString(1) + " " + rs.getString(2)
                                + " " + rs.getString(3) + " " + rs.getBoolean(4)));
    }

    private void awaitApplied(String image) {
        long expected = registry.version(image);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertEquals(expected,
                images.find(owner, image).map(LaunchableImage::version).orElse(0L)));
    }
}
