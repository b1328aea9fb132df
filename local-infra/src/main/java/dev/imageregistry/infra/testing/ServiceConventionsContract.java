package dev.imageregistry.infra.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.AccountTokens;
import dev.imageregistry.infra.RegionTestResource;

/**
 * What every service promises operators and callers, whatever it does: health that checks its real
 * dependencies, Prometheus metrics, OpenAPI, and no answer without a valid bearer token. A service's test
 * extends this and names its Region and the health checks it must report.
 */
public abstract class ServiceConventionsContract {

    /** The names of the readiness checks this service must report UP (database, Kafka, S3, ...). */
    protected abstract List<String> readinessChecks();

    protected abstract String region();

    @Test
    void readinessReportsEveryRealDependencyUp() {
        var response = given().when().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"));
        for (String check : readinessChecks()) {
            response.body("checks.name", hasItem(containsString(check)));
        }
    }

    @Test
    void livenessAnswersWithoutToken() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsArePrometheusText() {
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("# TYPE"))
                .body(containsString("http_server_requests"));
    }

    @Test
    void openApiAndSwaggerUiAnswerWithoutToken() {
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.securitySchemes.bearerToken.scheme", equalTo("bearer"));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void aValidTokenNamesTheCallersAccountAndRegion() {
        given().auth().oauth2(RegionTestResource.tokens().token("111122223333"))
                .when().get("/caller-identity")
                .then().statusCode(200)
                .body("Account", equalTo("111122223333"))
                .body("Region", equalTo(region()));
    }

    @Test
    void aMissingTokenIsAuthFailure() {
        given().when().get("/caller-identity").then().statusCode(401)
                .body("Errors[0].Code", equalTo("AuthFailure"))
                .body(not(containsString("Exception")));
    }

    @Test
    void anExpiredTokenIsAuthFailure() {
        given().auth().oauth2(RegionTestResource.tokens().expiredToken("111122223333"))
                .when().get("/caller-identity").then().statusCode(401)
                .body("Errors[0].Code", equalTo("AuthFailure"));
    }

    @Test
    void aTokenSignedByAnotherKeyIsAuthFailure() {
        String forged = AccountTokens.generate().token("111122223333");
        given().auth().oauth2(forged).when().get("/caller-identity").then().statusCode(401)
                .body("Errors[0].Code", equalTo("AuthFailure"));
    }

    @Test
    void aTokenWithoutATwelveDigitAccountIsAuthFailure() {
        given().auth().oauth2(RegionTestResource.tokens().token("alice"))
                .when().get("/caller-identity").then().statusCode(401)
                .body("Errors[0].Code", equalTo("AuthFailure"));
    }

    @Test
    void anUnknownPathIsAnEc2StyleError() {
        given().auth().oauth2(RegionTestResource.tokens().token("111122223333"))
                .when().get("/no-such-action").then().statusCode(404)
                .body("Errors[0].Code", equalTo("InvalidAction"));
    }
}
