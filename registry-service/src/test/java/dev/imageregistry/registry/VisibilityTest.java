package dev.imageregistry.registry;

import static dev.imageregistry.registry.ImageActionsTest.error;
import static dev.imageregistry.registry.RegistryFixtures.*;
import static org.hamcrest.Matchers.*;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Who sees an image, across three accounts: the owner, an account it is shared with, and a stranger, as
 * DescribeImages answers from the describe view. A stranger gets the answer for an image that does not exist. (Who
 * may change it is the image's own rule: ImageTest's Ownership.)
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "registry"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class VisibilityTest {
    @Inject
    DataSource database;

    @Test
    void ownerSharedAccountAndStrangerAcrossSharingPublicAndDisabling() {
        String owner = account();
        String shared = account();
        String stranger = account();
        String imageId = register(owner, uniqueName("visibility"), completedSnapshot(database, owner, 8));

        as(owner).get("/images?Owner=self").then().body("Images.ImageId", contains(imageId));
        error(as(shared).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
        error(as(stranger).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
        as(stranger).get("/images?Owner=" + owner).then().body("Images", empty());

        as(owner).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("UserId", shared)))))
                .post("/images/" + imageId + "/attributes").then().statusCode(200);
        as(shared).get("/images?ImageId=" + imageId).then().statusCode(200).body("Images[0].OwnerId", equalTo(owner));
        as(shared).get("/images?ExecutableBy=self").then().body("Images.ImageId", hasItem(imageId));
        as(shared).get("/images?Owner=self").then().body("Images.ImageId", not(hasItem(imageId)));
        as(shared).get("/images/" + imageId + "/attributes/description").then().statusCode(200);
        error(as(shared).get("/images/" + imageId + "/attributes/launchPermission"), "InvalidAMIID.NotFound");
        // A change by the shared account would be refused as not found too: that rule is ImageTest's Ownership.
        error(as(shared).body(Map.of("Description", Map.of("Value", "mine now"))).post("/images/" + imageId
                + "/attributes"), "InvalidAMIID.NotFound");
        error(as(stranger).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
        as(owner).get("/images?Owner=self&ExecutableBy=" + shared).then().body("Images.ImageId", contains(imageId));

        as(owner).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("Group", "all")))))
                .post("/images/" + imageId + "/attributes").then().statusCode(200);
        as(stranger).get("/images?ImageId=" + imageId).then().statusCode(200).body("Images[0].Public", equalTo(true));
        as(stranger).get("/images?ExecutableBy=all&Owner=" + owner).then().body("Images.ImageId", contains(imageId));
        as(stranger).get("/images?Owner=" + owner + "&Filter.1.Name=is-public&Filter.1.Value.1=true").then()
                .body("Images.ImageId", contains(imageId));

        as(owner).post("/images/" + imageId + "/disable").then().statusCode(200);
        error(as(shared).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
        error(as(stranger).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
        as(stranger).get("/images?Owner=" + owner).then().body("Images", empty());
        disabledImagesOnlyTheOwnerSeesAndOnlyWithIncludeDisabled(owner, shared, stranger, imageId);
    }

    /** EC2: "No disabled AMIs are included in the response" unless IncludeDisabled; and never anyone else's. */
    private static void disabledImagesOnlyTheOwnerSeesAndOnlyWithIncludeDisabled(String owner, String shared,
            String stranger, String imageId) {
        error(as(owner).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
        as(owner).get("/images?Owner=self").then().statusCode(200).body("Images", empty());
        as(owner).get("/images?Owner=self&IncludeDisabled=false").then().statusCode(200).body("Images", empty());
        as(owner).get("/images?ImageId=" + imageId + "&IncludeDisabled=true").then().statusCode(200)
                .body("Images[0].State", equalTo("disabled"));
        as(owner).get("/images?Owner=self&IncludeDisabled=true").then().body("Images.ImageId", contains(imageId));
        as(owner).get("/images?IncludeDisabled=true&Filter.1.Name=state&Filter.1.Value.1=disabled"
                + "&Filter.2.Name=owner-id&Filter.2.Value.1=" + owner).then().body("Images.ImageId", contains(imageId));
        // As EC2 answers it: asking for the disabled state without IncludeDisabled is an error, not an empty list.
        error(as(owner).get("/images?Owner=self&Filter.1.Name=state&Filter.1.Value.1=disabled"), "InvalidParameter");
        as(owner).get("/images/" + imageId + "/attributes/description").then().statusCode(200);
        for (String other : List.of(shared, stranger)) {
            error(as(other).get("/images?ImageId=" + imageId + "&IncludeDisabled=true"), "InvalidAMIID.NotFound");
            as(other).get("/images?Owner=" + owner + "&IncludeDisabled=true").then().body("Images", empty());
        }
        as(owner).post("/images/" + imageId + "/enable").then().statusCode(200);
        as(owner).get("/images?ImageId=" + imageId).then().statusCode(200).body("Images[0].State", equalTo("available"));
    }

    @Test
    void deprecatedImagesAreHiddenFromOthersUnlessAskedForByIdOrIncluded() {
        String owner = account();
        String shared = account();
        String imageId = register(owner, uniqueName("deprecated"), completedSnapshot(database, owner, 8));
        as(owner).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("UserId", shared)))))
                .post("/images/" + imageId + "/attributes").then().statusCode(200);
        // The current minute is not in the past, and rounds to a time that has already come.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        as(owner).body(Map.of("DeprecateAt", now.toString())).put("/images/" + imageId + "/deprecation").then()
                .statusCode(200);

        as(shared).get("/images?Owner=" + owner).then().body("Images", empty());
        as(shared).get("/images?Owner=" + owner + "&IncludeDeprecated=true").then().body("Images.ImageId", contains(imageId));
        as(shared).get("/images?ImageId=" + imageId).then().statusCode(200).body("Images.ImageId", contains(imageId));
        as(owner).get("/images?Owner=self").then().body("Images.ImageId", contains(imageId));
    }
}
