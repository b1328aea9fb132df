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

/**
 * The image actions over HTTP against the real broker and database: the REST shape of each answer, DescribeImages'
 * filters and pages, and what only the Region's data can refuse. The rules the image decides are ImageTest's.
 */
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
                .body("Images[0].BlockDeviceMappings[0].Ebs.Encrypted", equalTo(false))
                // What EC2 returns for every EBS-backed Linux image, and Terraform's most_recent sorts by.
                .body("Images[0].ImageLocation", equalTo(ALICE + "/" + name))
                .body("Images[0].ImageType", equalTo("machine"))
                .body("Images[0].Hypervisor", equalTo("xen"))
                .body("Images[0].PlatformDetails", equalTo("Linux/UNIX"))
                .body("Images[0].UsageOperation", equalTo("RunInstances"))
                .body("Images[0]", not(hasKey("Platform")))
                .body("Images[0].CreationDate", matchesPattern(EC2_TIME));
    }

    /** EC2's time text: UTC, exactly milliseconds, Z (e.g. 2026-12-03T13:04:05.123Z). */
    static final String EC2_TIME = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

    /**
     * What only the Region's data can refuse (names claimed in the database, the snapshots the snapshot-service
     * announced) and what the HTTP layer refuses; the parameter rules themselves are ImageTest's.
     */
    @Test
    void registerRefusesTakenNamesUnknownSnapshotsAndUnreadableBodiesAndChangesNothing() {
        String mine = completedSnapshot(database, ALICE, 8);
        String bobs = completedSnapshot(database, BOB, 8);
        String deleted = completedSnapshot(database, ALICE, 8);
        deleteSnapshot(database, ALICE, deleted);
        String prefix = uniqueName("refused");
        String taken = prefix + "-taken";
        register(ALICE, taken, mine);

        refused(new HashMap<>(Map.of("Architecture", "x86_64")), "MissingParameter");
        refused(body(taken, mine, Map.of()), "InvalidAMIName.Duplicate");
        refused(body(prefix + "-b", "snap-" + hex(17), Map.of()), "InvalidSnapshot.NotFound");
        refused(body(prefix + "-c", bobs, Map.of()), "InvalidSnapshot.NotFound");
        refused(body(prefix + "-d", deleted, Map.of()), "InvalidSnapshot.NotFound");
        refused(body(prefix + "-e", "snap-nothex", Map.of()), "InvalidSnapshotID.Malformed");
        refused(body(prefix + "-j", mine, Map.of("BlockDeviceMappings", List.of(Map.of("DeviceName", "/dev/xvda",
                "Ebs", Map.of("SnapshotId", mine, "VolumeSize", "huge"))))), "InvalidParameterValue");
        as(ALICE).body("{\"Name\": ").post("/images").then().statusCode(400)
                .body("Errors[0].Code", equalTo("InvalidParameterValue"));
        as(ALICE).body("{\"Name\":\"" + "x".repeat(300_000) + "\"}").post("/images").then().statusCode(413);

        as(ALICE).get("/images?Owner=self&Filter.1.Name=name&Filter.1.Value.1=" + prefix + "*").then()
                .statusCode(200).body("Images.Name", contains(taken));
    }

    @Test
    void describeRefusesMalformedAndUnknownIdsAndAbsurdPages() {
        error(as(ALICE).get("/images?ImageId=ami-123"), "InvalidAMIID.Malformed");
        error(as(ALICE).get("/images?ImageId=ami-" + hex(9)), "InvalidAMIID.Malformed");
        error(as(ALICE).get("/images?ImageId=ami-" + hex(17)), "InvalidAMIID.NotFound");
        error(as(ALICE).get("/images?IncludeDisabled=maybe"), "InvalidParameterValue");
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

    /** EC2 still accepts IDs of 8 hex digits (resources of before 2016): well formed, so unknown ones are NotFound. */
    @Test
    void legacyEightDigitIdsAreNotFoundRatherThanMalformed() {
        String legacy = "ami-" + hex(8);
        error(as(ALICE).get("/images?ImageId=" + legacy), "InvalidAMIID.NotFound");
        error(as(ALICE).get("/images?ImageId.1=ami-" + hex(17) + "&ImageId.2=" + legacy), "InvalidAMIID.NotFound");
        error(as(ALICE).get("/images/" + legacy + "/attributes/description"), "InvalidAMIID.NotFound");
        error(as(ALICE).get("/images/" + legacy + "/attributes/launchPermission"), "InvalidAMIID.NotFound");
        as(ALICE).get("/images?Owner=self&Filter.1.Name=image-id&Filter.1.Value.1=" + legacy).then().statusCode(200)
                .body("Images", empty());
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

    /** Each EC2 filter whose data the registry holds: what it names matches, nothing else does; wildcards anywhere. */
    @Test
    void everyEc2FilterMatchesWhatItNamesAndNothingElse() {
        String owner = account();
        String first = completedSnapshot(database, owner, 8);
        String second = completedSnapshot(database, owner, 8);
        String prefix = uniqueName("filters");
        String a = as(owner).body(body(prefix + "-a", first, Map.of("Description", "a*b?c\\d_e%"))).post("/images")
                .then().statusCode(200).extract().path("ImageId");
        Map<String, Object> other = body(prefix + "-b", second, Map.of("EnaSupport", false, "BlockDeviceMappings", List.of(
                Map.of("DeviceName", "/dev/xvda", "Ebs", Map.of("SnapshotId", second, "VolumeSize", 16,
                        "VolumeType", "gp2", "DeleteOnTermination", false)),
                Map.of("DeviceName", "/dev/sdf", "Ebs", Map.of("SnapshotId", second, "VolumeSize", 20,
                        "VolumeType", "st1", "DeleteOnTermination", false)))));
        other.remove("ImdsSupport");
        String b = as(owner).body(other).post("/images").then().statusCode(200).extract().path("ImageId");
        List<String> both = List.of(a, b);
        List<String> onlyA = List.of(a);
        List<String> onlyB = List.of(b);
        List<String> none = List.of();

        matching(owner, both, "root-device-type", "ebs");
        matching(owner, both, "root-device-type", "instance-store", "e?s");
        matching(owner, none, "root-device-type", "instance-store");
        matching(owner, both, "image-type", "machine");
        matching(owner, none, "image-type", "kernel", "ramdisk");
        matching(owner, none, "platform", "windows");
        matching(owner, both, "platform-details", "Linux/UNIX");
        matching(owner, both, "platform-details", "*UNIX");
        matching(owner, none, "platform-details", "Windows", "Red Hat*");
        matching(owner, both, "hypervisor", "xen");
        matching(owner, none, "hypervisor", "ovm");
        matching(owner, both, "usage-operation", "RunInstances");
        matching(owner, none, "usage-operation", "RunInstances:0002");

        String created = as(owner).get("/images?ImageId=" + a).then().extract().path("Images[0].CreationDate");
        matching(owner, onlyA, "creation-date", created);
        matching(owner, both, "creation-date", "????-??-??T*Z");
        matching(owner, none, "creation-date", "1999-*", created.replace(".", ":"));

        matching(owner, onlyA, "ena-support", "true");
        matching(owner, onlyB, "ena-support", "false");
        matching(owner, both, "ena-support", "true", "false");
        error(as(owner).get("/images?Filter.1.Name=ena-support&Filter.1.Value.1=yes"), "InvalidParameterValue");
        matching(owner, onlyA, "imds-support", "v2.0");
        matching(owner, onlyA, "imds-support", "v*");
        matching(owner, none, "imds-support", "v1.0");

        matching(owner, onlyB, "block-device-mapping.device-name", "/dev/sdf");
        matching(owner, both, "block-device-mapping.device-name", "/dev/xvd?");
        matching(owner, none, "block-device-mapping.device-name", "/dev/sdz");
        matching(owner, onlyA, "block-device-mapping.volume-size", "8");
        matching(owner, onlyB, "block-device-mapping.volume-size", "2?");
        matching(owner, both, "block-device-mapping.volume-size", "8", "16");
        matching(owner, none, "block-device-mapping.volume-size", "9");
        matching(owner, onlyA, "block-device-mapping.volume-type", "gp3");
        matching(owner, both, "block-device-mapping.volume-type", "gp?");
        matching(owner, onlyB, "block-device-mapping.volume-type", "st1");
        matching(owner, none, "block-device-mapping.volume-type", "io2");
        matching(owner, onlyA, "block-device-mapping.delete-on-termination", "true");
        matching(owner, onlyB, "block-device-mapping.delete-on-termination", "false");
        matching(owner, both, "block-device-mapping.encrypted", "false");
        matching(owner, none, "block-device-mapping.encrypted", "true");
        matching(owner, onlyB, "block-device-mapping.snapshot-id", second);
        matching(owner, both, "block-device-mapping.snapshot-id", first, "snap-*");
        matching(owner, none, "block-device-mapping.snapshot-id", "snap-" + hex(8));

        matching(owner, none, "source-instance-id", "i-*");
        matching(owner, none, "state-reason-code", "*");
        matching(owner, none, "deprecation-time", "*");

        // Wildcards anywhere; a backslash makes *, ? and itself literal; % and _ are plain characters.
        matching(owner, onlyA, "description", "a\\*b\\?c\\\\d_e%");
        matching(owner, onlyA, "description", "a?b*");
        matching(owner, onlyA, "description", "*d_e%");
        matching(owner, none, "description", "a_b*", "a\\*b", "*d?e\\%x");
        matching(owner, onlyA, "name", "*-a");
        matching(owner, both, "name", prefix + "-?");
        matching(owner, none, "name", prefix);
        matching(owner, onlyA, "image-id", a);
        matching(owner, both, "image-id", "ami-*");
        matching(owner, onlyB, "image-id", b, "ami-" + hex(8));
        matching(owner, both, "owner-id", owner);
        matching(owner, both, "owner-id", owner.substring(0, 4) + "*");

        // Filters are ANDed.
        as(owner).get("/images?Owner=self&Filter.1.Name=block-device-mapping.volume-type&Filter.1.Value.1=gp?"
                + "&Filter.2.Name=ena-support&Filter.2.Value.1=false&Filter.3.Name=hypervisor&Filter.3.Value.1=xen")
                .then().statusCode(200).body("Images.ImageId", contains(b));
    }

    private static void matching(String owner, List<String> expected, String filter, String... values) {
        var request = as(owner).queryParam("Owner", "self").queryParam("Filter.1.Name", filter);
        for (int i = 0; i < values.length; i++) {
            request.queryParam("Filter.1.Value." + (i + 1), values[i]);
        }
        List<String> found = request.get("/images").then().statusCode(200).extract().path("Images.ImageId");
        org.junit.jupiter.api.Assertions.assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(found),
                filter + "=" + List.of(values));
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
    }

    @Test
    void tagsAreCreatedAndDeletedWithOrWithoutABody() {
        String snapshot = completedSnapshot(database, ALICE, 8);
        String imageId = register(ALICE, uniqueName("tags"), snapshot);
        String path = "/images/" + imageId + "/tags";

        as(ALICE).body(Map.of("Tags", List.of(Map.of("Key", "env", "Value", "prod"), Map.of("Key", "team", "Value", "os"),
                Map.of("Key", "tier", "Value", "web")))).post(path).then().statusCode(200).body("Return", equalTo(true));
        as(ALICE).get("/images?ImageId=" + imageId).then()
                .body("Images[0].Tags.Key", containsInAnyOrder("env", "team", "tier"));
        as(ALICE).body(Map.of("Tags", List.of(Map.of("Key", "env")))).delete(path).then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].Tags.Key", containsInAnyOrder("team", "tier"));
        error(as(ALICE).body(Map.of("Tags", List.of(Map.of("Key", "aws:x", "Value", "v")))).post(path), "InvalidParameterValue");
        // No body: every tag goes (here two keys in one ImageUntagged).
        as(ALICE).delete(path).then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].Tags", nullValue());
    }

    @Test
    void theDeprecationTimeIsShownAndFilteredAsEc2WritesIt() {
        String imageId = register(ALICE, uniqueName("deprecate"), completedSnapshot(database, ALICE, 8));
        String path = "/images/" + imageId + "/deprecation";
        Instant at = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MINUTES).plusSeconds(41);

        error(as(ALICE).body(Map.of("DeprecateAt", "tomorrow")).put(path), "InvalidParameterValue");
        as(ALICE).body(Map.of("DeprecateAt", at.toString())).put(path).then().statusCode(200);
        // Rounded to the nearest minute, and written as EC2 writes it (milliseconds included).
        String expected = at.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60).toString().replace(":00Z", ":00.000Z");
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].DeprecationTime", equalTo(expected));
        as(ALICE).get("/images?Owner=self&Filter.1.Name=deprecation-time&Filter.1.Value.1=" + expected).then()
                .body("Images.ImageId", contains(imageId));
        as(ALICE).get("/images?Owner=self&Filter.1.Name=deprecation-time&Filter.1.Value.1="
                + expected.substring(0, 11) + "*&Filter.2.Name=image-id&Filter.2.Value.1=" + imageId).then()
                .body("Images.ImageId", contains(imageId));
        as(ALICE).get("/images?Owner=self&Filter.1.Name=deprecation-time&Filter.1.Value.1="
                + expected.replace(":00.000Z", ":01.000Z")).then().body("Images.ImageId", not(hasItem(imageId)));
        as(ALICE).delete(path).then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + imageId).then().body("Images[0].DeprecationTime", nullValue());
    }

    @Test
    void deregistrationFreesTheNameAndProtectionIsShownAsEc2ShowsIt() {
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
        String again = register(ALICE, name, snapshot);

        as(ALICE).body(Map.of("WithCooldown", true)).put("/images/" + again + "/deregistration-protection").then()
                .statusCode(200);
        as(ALICE).get("/images?ImageId=" + again).then()
                .body("Images[0].DeregistrationProtection", equalTo("enabled-with-cooldown"));
        as(ALICE).delete("/images/" + again + "/deregistration-protection").then().statusCode(200);
        as(ALICE).get("/images?ImageId=" + again).then()
                .body("Images[0].DeregistrationProtection", startsWith("disabled-until-"));
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
