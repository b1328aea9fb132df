package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** CreateTags and DeleteTags on snapshots after they were started (the published events: SnapshotBlocksTest). */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class SnapshotTagsTest {

    @Test
    void tagsAreSetOverwrittenAndDeletedByKeyByValueOrAll() {
        String id = given().auth().oauth2(token(OWNER)).contentType(ContentType.JSON)
                .body("{\"VolumeSize\":1,\"Tags\":[{\"Key\":\"team\",\"Value\":\"os\"}]}").post("/snapshots").then()
                .statusCode(201).extract().path("SnapshotId");
        createTags(OWNER, id, Map.of("team", "platform", "env", "test")).statusCode(200).body("Return", is(true));
        assertEquals(Map.of("team", "platform", "env", "test"), tags(OWNER, id));
        given().auth().oauth2(token(OWNER)).queryParam("Filter.1.Name", "tag:env")
                .queryParam("Filter.1.Value.1", "test").queryParam("SnapshotId", id).get("/snapshots").then()
                .statusCode(200).body("Snapshots.SnapshotId", contains(id));

        // Which tags a DeleteTags removes is SnapshotTagRulesTest's; here, that DescribeSnapshots shows it at once.
        deleteTags(OWNER, id, "[{\"Key\":\"env\",\"Value\":\"test\"}]").statusCode(200).body("Return", is(true));
        assertEquals(Map.of("team", "platform"), tags(OWNER, id));
        deleteTags(OWNER, id, "[{\"Key\":\"team\"},{\"Key\":\"never-there\"}]").statusCode(200);
        assertEquals(Map.of(), tags(OWNER, id));

        // A completed snapshot is tagged just the same; DeleteTags without a body (nor a content type) deletes all.
        assertEquals("completed", complete(OWNER, id, 0, aggregate(List.of())));
        createTags(OWNER, id, Map.of("a", "1", "b", "")).statusCode(200);
        assertEquals(Map.of("a", "1", "b", ""), tags(OWNER, id));
        assertEquals(200, deleteWithoutBody(OWNER, id));
        assertEquals(Map.of(), tags(OWNER, id));
        given().auth().oauth2(token(OWNER)).delete("/snapshots/" + id + "/tags").then().statusCode(200)
                .body("Return", is(true));
    }

    @Test
    void limitsAndMalformedRequestsAreRefusedAndChangeNothing() {
        String id = start(OWNER, 1, null);
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < 49; i++) {
            many.put("k" + i, "v");
        }
        createTags(OWNER, id, many).statusCode(200);
        // The rules are SnapshotTagRulesTest's; these show that a refusal, whatever its reason, changes nothing.
        createTags(OWNER, id, Map.of("k0", "again", "fiftieth", "v", "fifty-first", "v")).statusCode(400)
                .body("Errors[0].Code", is("TagLimitExceeded"));
        error(post(OWNER, id, "{}"), "MissingParameter");
        error(given().auth().oauth2(token(OWNER)).contentType(ContentType.JSON).post("/snapshots/" + id + "/tags")
                .then(), "MissingParameter");
        error(createTags(OWNER, id, Map.of("aws:name", "v")), "InvalidParameterValue");
        error(deleteTags(OWNER, id, "[{\"Key\":\"\"}]"), "InvalidParameterValue");
        assertEquals(many, tags(OWNER, id));
        createTags(OWNER, id, Map.of("k0", "again", "fiftieth", "v")).statusCode(200);
        assertEquals(50, tags(OWNER, id).size());
    }

    /**
     * Only the owner changes tags (SnapshotTagRulesTest; a reader through an image's launch permission is no owner
     * either, as ImageUsageTest shows for DeleteSnapshot): the request reaches the snapshot and is refused.
     */
    @Test
    void onlyTheOwnerTagsAndAnyoneElseFindsNothing() {
        String id = start(OWNER, 1, null);
        createTags(OWNER, id, Map.of("team", "os")).statusCode(200);
        for (String account : List.of(OTHER, STRANGER)) {
            error(createTags(account, id, Map.of("team", "theirs")), "InvalidSnapshot.NotFound");
            error(deleteTags(account, id, "[{\"Key\":\"team\"}]"), "InvalidSnapshot.NotFound");
            error(given().auth().oauth2(token(account)).delete("/snapshots/" + id + "/tags").then(),
                    "InvalidSnapshot.NotFound");
        }
        assertEquals(Map.of("team", "os"), tags(OWNER, id));
        error(createTags(OWNER, "snap-0123456789abcdef0", Map.of("k", "v")), "InvalidSnapshot.NotFound");
        error(createTags(OWNER, "snap-123", Map.of("k", "v")), "InvalidSnapshotID.Malformed");
        error(deleteTags(OWNER, "vol-0123456789abcdef0", "[{\"Key\":\"k\"}]"), "InvalidSnapshotID.Malformed");

        // As on EC2, a deleted snapshot is gone: its tags cannot be changed any more.
        String deleted = start(OWNER, 1, null);
        given().auth().oauth2(token(OWNER)).delete("/snapshots/" + deleted).then().statusCode(200);
        error(createTags(OWNER, deleted, Map.of("k", "v")), "InvalidSnapshot.NotFound");
        error(given().auth().oauth2(token(OWNER)).delete("/snapshots/" + deleted + "/tags").then(),
                "InvalidSnapshot.NotFound");
    }

    /** DeleteTags as the aws-gateway sends it for "every tag": no body and no content type. */
    static int deleteWithoutBody(String account, String snapshotId) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                + "/snapshots/" + snapshotId + "/tags")).header("Authorization", "Bearer " + token(account))
                .DELETE().build();
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ValidatableResponse createTags(String account, String snapshotId, Map<String, String> tags) {
        List<Map<String, String>> list = new ArrayList<>();
        tags.forEach((key, value) -> list.add(Map.of("Key", key, "Value", value)));
        return given().auth().oauth2(token(account)).contentType(ContentType.JSON).body(Map.of("Tags", list))
                .post("/snapshots/" + snapshotId + "/tags").then();
    }

    static ValidatableResponse deleteTags(String account, String snapshotId, String tagsJson) {
        return given().auth().oauth2(token(account)).contentType(ContentType.JSON).body("{\"Tags\":" + tagsJson + "}")
                .delete("/snapshots/" + snapshotId + "/tags").then();
    }

    /** The snapshot's tags as DescribeSnapshots shows them to {@code account}. */
    static Map<String, String> tags(String account, String snapshotId) {
        List<Map<String, String>> tags = given().auth().oauth2(token(account)).queryParam("SnapshotId", snapshotId)
                .get("/snapshots").then().statusCode(200).extract().path("Snapshots[0].Tags");
        Map<String, String> map = new LinkedHashMap<>();
        tags.forEach(tag -> map.put(tag.get("Key"), tag.get("Value")));
        return map;
    }

    private static ValidatableResponse post(String account, String snapshotId, String body) {
        return given().auth().oauth2(token(account)).contentType(ContentType.JSON).body(body)
                .post("/snapshots/" + snapshotId + "/tags").then();
    }

    private static void error(ValidatableResponse response, String code) {
        response.statusCode(400).body("Errors[0].Code", is(code));
    }
}
