package dev.imageregistry.launch;

import static io.restassured.RestAssured.given;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.imageregistry.infra.RegionTestResource;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** The launch-service's REST API as a test calls it: as one account, with its bearer token. */
public record Api(String account) {

    public RequestSpecification as() {
        return given().auth().oauth2(RegionTestResource.tokens().token(account)).contentType(ContentType.JSON);
    }

    /** As the Region's operator (the {@code /admin} calls), who is no account. */
    public static RequestSpecification asOperator() {
        return given().auth().oauth2(RegionTestResource.tokens().operatorToken()).contentType(ContentType.JSON);
    }

    public ValidatableResponse run(String imageId) {
        return run(Map.of("ImageId", imageId, "MinCount", 1, "MaxCount", 1, "InstanceType", "t3.micro"));
    }

    public ValidatableResponse run(Map<String, Object> request) {
        return as().body(request).post("/instances").then();
    }

    public static Map<String, Object> request(String imageId, int min, int max) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("ImageId", imageId);
        request.put("MinCount", min);
        request.put("MaxCount", max);
        request.put("InstanceType", "t3.micro");
        return request;
    }

    public String launchOne(String imageId) {
        return run(imageId).statusCode(200).extract().path("Instances[0].InstanceId");
    }

    public String state(String instanceId) {
        return as().queryParam("InstanceId", instanceId).get("/instances").then().statusCode(200)
                .extract().path("Reservations[0].Instances[0].State.Name");
    }

    public ValidatableResponse action(String action, List<String> instanceIds) {
        return as().body(Map.of("InstanceIds", instanceIds)).post("/instances/" + action).then();
    }

    /** CreateTags: {"Tags":[{"Key","Value"}...]} in the map's order. */
    public ValidatableResponse createTags(String instanceId, Map<String, String> tags) {
        List<Map<String, String>> list = new ArrayList<>();
        tags.forEach((key, value) -> list.add(Map.of("Key", key, "Value", value)));
        return as().body(Map.of("Tags", list)).post("/instances/" + instanceId + "/tags").then();
    }

    /** DeleteTags with a body: {@code tagsJson} is the Tags list, e.g. [{"Key":"k"}]. */
    public ValidatableResponse deleteTags(String instanceId, String tagsJson) {
        return as().body("{\"Tags\":" + tagsJson + "}").delete("/instances/" + instanceId + "/tags").then();
    }

    /** DeleteTags of every tag as the aws-gateway sends it: no body and no content type. */
    public int deleteAllTags(String instanceId) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                + "/instances/" + instanceId + "/tags"))
                .header("Authorization", "Bearer " + RegionTestResource.tokens().token(account)).DELETE().build();
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The instance's tags as DescribeInstances shows them. */
    public Map<String, String> tags(String instanceId) {
        List<Map<String, String>> tags = as().queryParam("InstanceId", instanceId).get("/instances").then()
                .statusCode(200).extract().path("Reservations[0].Instances[0].Tags");
        Map<String, String> map = new LinkedHashMap<>();
        tags.forEach(tag -> map.put(tag.get("Key"), tag.get("Value")));
        return map;
    }
}
