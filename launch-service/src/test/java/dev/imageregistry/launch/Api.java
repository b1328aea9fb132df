package dev.imageregistry.launch;

import static io.restassured.RestAssured.given;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.imageregistry.infra.RegionTestResource;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** The launch-service's REST API as a test calls it: as one account, with its bearer token. */
public record Api(String account) {

    public RequestSpecification as() {
        return given().auth().oauth2(RegionTestResource.tokens().token(account)).contentType(ContentType.JSON);
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
}
