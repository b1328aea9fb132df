package dev.imageregistry.registry;

import static dev.imageregistry.registry.RegistryFixtures.*;
import static org.hamcrest.Matchers.*;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Each image action, its defaults and its error codes, against the real broker and database. */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "registry"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events") })
class ImageActionsTest {
    @Inject
    DataSource database;

    /** Verifications are reused (platform's VerifiedTokens), but never past the token's expiry. */
    @Test
    void aTokenAcceptedBeforeIsRefusedOnceItHasExpired() {
        String shortLived = RegionTestResource.tokens().token(account(), java.time.Duration.ofSeconds(3));
        io.restassured.RestAssured.given().auth().oauth2(shortLived).get("/images?Owner=self").then().statusCode(200);
        io.restassured.RestAssured.given().auth().oauth2(shortLived).get("/images?Owner=self").then().statusCode(200);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(250))
                .untilAsserted(() -> io.restassured.RestAssured.given().auth().oauth2(shortLived)
                        .get("/images?Owner=self").then().statusCode(401).body("Errors[0].Code", equalTo("AuthFailure")));
    }

    @Test
    void registerImageIsAvailableAtOnceWithEc2Defaults() {
        String snapshot = completedSnapshot(database, ALICE, 8);
        String name = uniqueName("web server (v1.2) [prod]");
        String imageId = register(ALICE, name, snapshot);

        as(ALICE).get("/images?ImageId=" + imageId).then().statusCode(200)
                .body("Images", hasSize(1))
                .body("Images[0].ImageId", matchesPattern("ami-[0-9a-f]{17}"))
                .body("Images[0].Name", equalTo(name))
                .body("Images[0].OwnerId", equalTo(ALICE))
                .body("Images[0].State", equalTo("available"))
                .body("Images[0].Architecture", equalTo("arm64"))
                .body("Images[0].RootDeviceType", equalTo("ebs"))
                .body("Images[0].VirtualizationType", equalTo("hvm"))
                .body("Images[0].BootMode", equalTo("uefi"))
                .body("Images[0].EnaSupport", equalTo(true))
                .body("Images[0].ImdsSupport", equalTo("v2.0"))
                .body("Images[0].Public", equalTo(false))
                .body("Images[0].DeregistrationProtection", equalTo("disabled"))
                .body("Images[0].BlockDeviceMappings[0].DeviceName", equalTo("/dev/xvda"))
                .body("Images[0].BlockDeviceMappings[0].Ebs.SnapshotId", equalTo(snapshot))
                .body("Images[0].BlockDeviceMappings[0].Ebs.VolumeSize", equalTo(8))
                .body("Images[0].BlockDeviceMappings[0].Ebs.VolumeType", equalTo("gp3"))
                .body("Images[0].BlockDeviceMappings[0].Ebs.DeleteOnTermination", equalTo(true))
                .body("Images[0].CreationDate", notNullValue());
    }

    @Test
    void registerRefusesBadInputWithEc2CodesAndChangesNothing() {
        String mine = completedSnapshot(database, ALICE, 8);
        String bobs = completedSnapshot(database, BOB, 8);
        String deleted = completedSnapshot(database, ALICE, 8);
        deleteSnapshot(database, ALICE, deleted);
        String prefix = uniqueName("refused");
        String taken = prefix + "-taken";
        register(ALICE, taken, mine);

        refused(new HashMap<>(Map.of("Architecture", "x86_64")), "MissingParameter");
        refused(body(prefix + "-a", mine, Map.of("Name", "ab")), "InvalidAMIName.Malformed");
        refused(body(prefix + "-a", mine, Map.of("Name", "bad*name")), "InvalidAMIName.Malformed");
        refused(body(prefix + "-a", mine, Map.of("Name", "x".repeat(129))), "InvalidAMIName.Malformed");
        refused(body(taken, mine, Map.of()), "InvalidAMIName.Duplicate");
        refused(body(prefix + "-b", "snap-" + hex(17), Map.of()), "InvalidSnapshot.NotFound");
        refused(body(prefix + "-c", bobs, Map.of()), "InvalidSnapshot.NotFound");
        refused(body(prefix + "-d", deleted, Map.of()), "InvalidSnapshot.NotFound");
        refused(body(prefix + "-e", "snap-nothex", Map.of()), "InvalidSnapshotID.Malformed");
        refused(body(prefix + "-f", mine, Map.of("Architecture", "sparc")), "InvalidParameterValue");
        refused(body(prefix + "-g", mine, Map.of("RootDeviceName", "/dev/sda1")), "InvalidParameterValue");
        refused(body(prefix + "-h", mine, Map.of("Description", "d".repeat(256))), "InvalidParameterValue");
        refused(body(prefix + "-i", mine, Map.of("BlockDeviceMappings", List.of(Map.of("DeviceName", "/dev/xvda",
                "Ebs", Map.of("SnapshotId", mine, "VolumeSize", 4))))), "InvalidParameterValue");
        refused(body(prefix + "-j", mine, Map.of("BlockDeviceMappings", List.of(Map.of("DeviceName", "/dev/xvda",
                "Ebs", Map.of("SnapshotId", mine, "VolumeSize", "huge"))))), "InvalidParameterValue");
        refused(body(prefix + "-k", mine, Map.of("TagSpecifications", List.of(Map.of("ResourceType", "image",
                "Tags", List.of(Map.of("Key", "aws:owner", "Value", "x")))))), "InvalidParameterValue");
        as(ALICE).body("{\"Name\": ").post("/images").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidParameterValue"));
        as(ALICE).body("{\"Name\":\"" + "x".repeat(300_000) + "\"}").post("/images").then().statusCode(413);

        as(ALICE).get("/images?Owner=self&Filter.1.Name=name&Filter.1.Value.1=" + prefix + "*").then()
                .statusCode(200).body("Images.Name", contains(taken));
    }

    @Test
    void describeRefusesMalformedAndUnknownIdsAndAbsurdPages() {
        error(as(ALICE).get("/images?ImageId=ami-123"), "InvalidAMIID.Malformed");
        error(as(ALICE).get("/images?ImageId=ami-" + hex(17)), "InvalidAMIID.NotFound");
        error(as(ALICE).get("/images?MaxResults=2"), "InvalidParameterValue");
        error(as(ALICE).get("/images?MaxResults=1000000"), "InvalidParameterValue");
        error(as(ALICE).get("/images?MaxResults=ten"), "InvalidParameterValue");
        error(as(ALICE).get("/images?Filter.1.Name=colour&Filter.1.Value.1=red"), "InvalidParameterValue");
        error(as(ALICE).get("/images?NextToken=not-a-token"), "InvalidParameterValue");
        error(as(ALICE).get("/images?Owner=amazon"), "InvalidParameterValue");
        error(as(ALICE).get("/images?ImageId=ami-" + hex(17) + "&MaxResults=5"), "InvalidParameterCombination");
        error(as(ALICE).get("/images?Filter.1.Value.1=x"), "MissingParameter");
        error(as(ALICE).get("/images/ami-" + hex(17) + "/attributes/kernel"), "InvalidParameterValue");
    }

    @Test
    void filtersAndPagesThatStayCorrectWhileImagesAreAdded() {
        String owner = account();
        String snapshot = completedSnapshot(database, owner, 8);
        String prefix = uniqueName("paged");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Map<String, Object> body = body(prefix + "-" + i, snapshot, Map.of("TagSpecifications", List.of(Map.of(
                    "ResourceType", "image", "Tags", List.of(Map.of("Key", "team", "Value", i % 2 == 0 ? "even" : "odd"))))));
            ids.add(as(owner).body(body).post("/images").then().statusCode(200).extract().path("ImageId"));
        }
        as(owner).get("/images?Owner=self&Filter.1.Name=tag:team&Filter.1.Value.1=ev?n").then()
                .body("Images", hasSize(4));
        as(owner).get("/images?Owner=self&Filter.1.Name=tag-key&Filter.1.Value.1=te*&Filter.2.Name=name"
                + "&Filter.2.Value.1=" + prefix + "-1&Filter.2.Value.2=" + prefix + "-2").then()
                .body("Images", hasSize(2));
        as(owner).get("/images?Owner=" + owner + "&Filter.1.Name=block-device-mapping.snapshot-id&Filter.1.Value.1="
                + snapshot + "&Filter.2.Name=architecture&Filter.2.Value.1=arm64&Filter.3.Name=state&Filter.3.Value.1=available"
                + "&Filter.4.Name=is-public&Filter.4.Value.1=false&Filter.5.Name=owner-id&Filter.5.Value.1=" + owner)
                .then().body("Images", hasSize(7));

        var first = as(owner).get("/images?Owner=self&MaxResults=5").then().statusCode(200)
                .body("Images", hasSize(5)).body("NextToken", notNullValue()).extract();
        // An image added between pages: the next page neither repeats nor skips the ones that existed.
        register(owner, prefix + "-late", snapshot);
        List<String> seen = new ArrayList<>(first.path("Images.ImageId"));
        String token = first.path("NextToken");
        while (token != null) {
            var page = as(owner).get("/images?Owner=self&MaxResults=5&NextToken=" + token).then().statusCode(200).extract();
            seen.addAll(page.path("Images.ImageId"));
            token = page.path("NextToken");
        }
        org.junit.jupiter.api.Assertions.assertEquals(seen.size(), new java.util.HashSet<>(seen).size(), "a page repeated an image");
        org.junit.jupiter.api.Assertions.assertTrue(seen.containsAll(ids), "a page skipped an image");
    }

    @Test
    void descriptionAndLaunchPermissionAttributes() {
        String snapshot = completedSnapshot(database, ALICE, 8);
        String imageId = register(ALICE, uniqueName("attrs"), snapshot);

        as(ALICE).body(Map.of("Description", Map.of("Value", "the golden image"))).post("/images/" + imageId + "/attributes")
                .then().statusCode(200).body("Return", equalTo(true));
        as(ALICE).get("/images/" + imageId + "/attributes/description").then().statusCode(200)
                .body("Description.Value", equalTo("the golden image"));

        as(ALICE).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("UserId", BOB), Map.of("Group", "all")))))
                .post("/images/" + imageId + "/attributes").then().statusCode(200);
        as(ALICE).get("/images/" + imageId + "/attributes/launchPermission").then().statusCode(200)
                .body("LaunchPermissions.UserId", hasItem(BOB)).body("LaunchPermissions.Group", hasItem("all"));
        as(ALICE).body(Map.of("LaunchPermission", Map.of("Remove", List.of(Map.of("Group", "all")))))
                .post("/images/" + imageId + "/attributes").then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].Public", equalTo(false));
        as(ALICE).post("/images/" + imageId + "/attributes/launch-permission/reset").then().statusCode(200);
        as(ALICE).get("/images/" + imageId + "/attributes/launchPermission").then().body("LaunchPermissions", empty());

        error(as(ALICE).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("UserId", "12345")))))
                .post("/images/" + imageId + "/attributes"), "InvalidAMIAttributeItemValue");
        error(as(ALICE).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("Group", "everyone")))))
                .post("/images/" + imageId + "/attributes"), "InvalidAMIAttributeItemValue");
        error(as(ALICE).body(Map.of()).post("/images/" + imageId + "/attributes"), "MissingParameter");
        error(as(BOB).get("/images/" + imageId + "/attributes/launchPermission"), "InvalidAMIID.NotFound");
    }

    @Test
    void tagsAreCreatedDeletedAndLimitedToFifty() {
        String snapshot = completedSnapshot(database, ALICE, 8);
        String imageId = register(ALICE, uniqueName("tags"), snapshot);
        String path = "/images/" + imageId + "/tags";

        as(ALICE).body(Map.of("Tags", List.of(Map.of("Key", "env", "Value", "prod"), Map.of("Key", "team", "Value", "os"))))
                .post(path).then().statusCode(200);
        as(ALICE).body(Map.of("Tags", List.of(Map.of("Key", "env", "Value", "staging")))).delete(path).then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].Tags.Key", containsInAnyOrder("env", "team"));
        as(ALICE).body(Map.of("Tags", List.of(Map.of("Key", "env")))).delete(path).then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].Tags.Key", contains("team"));

        List<Map<String, String>> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(Map.of("Key", "k" + i, "Value", "v"));
        }
        error(as(ALICE).body(Map.of("Tags", many)).post(path), "TagLimitExceeded");
        error(as(ALICE).body(Map.of("Tags", List.of(Map.of("Key", "aws:x", "Value", "v")))).post(path), "InvalidParameterValue");
        error(as(ALICE).body(Map.of("Tags", List.of(Map.of("Key", "k", "Value", "v".repeat(257))))).post(path), "InvalidParameterValue");
        error(as(ALICE).body(Map.of("Tags", List.of())).post(path), "MissingParameter");
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].Tags.Key", contains("team"));
        as(ALICE).delete(path).then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].Tags", nullValue());
    }

    @Test
    void deprecationIsRoundedToTheMinuteAndNeverInThePast() {
        String imageId = register(ALICE, uniqueName("deprecate"), completedSnapshot(database, ALICE, 8));
        String path = "/images/" + imageId + "/deprecation";
        Instant at = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MINUTES).plusSeconds(41);

        error(as(ALICE).body(Map.of("DeprecateAt", Instant.now().minus(1, ChronoUnit.HOURS).toString())).put(path),
                "InvalidParameterValue");
        error(as(ALICE).body(Map.of()).put(path), "MissingParameter");
        error(as(ALICE).body(Map.of("DeprecateAt", "tomorrow")).put(path), "InvalidParameterValue");
        as(ALICE).body(Map.of("DeprecateAt", at.toString())).put(path).then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then()
                .body("Images[0].DeprecationTime", equalTo(at.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60).toString()));
        as(ALICE).delete(path).then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].DeprecationTime", nullValue());
    }

    @Test
    void disablingRemovesLaunchPermissionsAndEnablingDoesNotRestoreThem() {
        String imageId = register(ALICE, uniqueName("disable"), completedSnapshot(database, ALICE, 8));
        as(ALICE).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("UserId", BOB), Map.of("Group", "all")))))
                .post("/images/" + imageId + "/attributes").then().statusCode(200);

        as(ALICE).post("/images/" + imageId + "/disable").then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].State", equalTo("disabled"))
                .body("Images[0].Public", equalTo(false));
        error(as(BOB).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
        error(as(ALICE).post("/images/" + imageId + "/disable"), "IncorrectState");
        error(as(ALICE).body(Map.of("LaunchPermission", Map.of("Add", List.of(Map.of("UserId", BOB)))))
                .post("/images/" + imageId + "/attributes"), "IncorrectState");

        as(ALICE).post("/images/" + imageId + "/enable").then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].State", equalTo("available"));
        as(ALICE).get("/images/" + imageId + "/attributes/launchPermission").then().body("LaunchPermissions", empty());
        error(as(BOB).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
        error(as(ALICE).post("/images/" + imageId + "/enable"), "IncorrectState");
    }

    @Test
    void deregistrationIsRefusedWhileProtectedAndFreesTheName() {
        String snapshot = completedSnapshot(database, ALICE, 8);
        String name = uniqueName("protected");
        String imageId = register(ALICE, name, snapshot);
        String protection = "/images/" + imageId + "/deregistration-protection";

        as(ALICE).body(Map.of()).put(protection).then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].DeregistrationProtection", equalTo("enabled"));
        error(as(ALICE).delete("/images/" + imageId), "OperationNotPermitted");
        as(ALICE).delete(protection).then().statusCode(200);
        as(ALICE).delete("/images/" + imageId).then().statusCode(200).body("Return", equalTo(true));
        error(as(ALICE).get("/images?ImageId=" + imageId), "InvalidAMIID.NotFound");
        error(as(ALICE).delete("/images/" + imageId), "InvalidAMIID.NotFound");
        error(as(ALICE).delete("/images/not-an-image"), "InvalidAMIID.Malformed");
        String again = register(ALICE, name, snapshot);

        as(ALICE).body(Map.of("WithCooldown", true)).put("/images/" + again + "/deregistration-protection").then()
                .statusCode(200);
        as(ALICE).get("/images?ImageId=" + again).then()
                .body("Images[0].DeregistrationProtection", equalTo("enabled-with-cooldown"));
        as(ALICE).delete("/images/" + again + "/deregistration-protection").then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + again).then()
                .body("Images[0].DeregistrationProtection", startsWith("disabled-until-"));
        error(as(ALICE).delete("/images/" + again), "OperationNotPermitted");
    }

    private static Map<String, Object> body(String name, String snapshot, Map<String, Object> overrides) {
        Map<String, Object> body = new HashMap<>(registerBody(name, snapshot));
        body.putAll(overrides);
        return body;
    }

    private static void refused(Map<String, Object> body, String code) {
        error(as(ALICE).body(body).post("/images"), code);
    }

    static void error(io.restassured.response.Response response, String code) {
        response.then().statusCode(both(greaterThanOrEqualTo(400)).and(lessThan(500)))
                .body("Errors[0].Code", equalTo(code))
                .body(not(containsString("Exception")));
    }
}
