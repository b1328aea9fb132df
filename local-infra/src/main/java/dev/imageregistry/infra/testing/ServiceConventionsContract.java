package dev.imageregistry.infra.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

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

    /**
     * The service's own packages beside {@code persistence}, for what only it talks to (see {@link ServiceLayout});
     * none for most services.
     */
    protected List<String> adapterPackages() {
        return List.of();
    }

    /**
     * The one layout of every service, stated as rules on its classes (docs/architecture.md). Protected only so that
     * a service not yet moved into the layout can say so, disabled with the issue that moves it.
     */
    @Test
    protected void theCodeKeepsTheServiceLayout() {
        ServiceLayout.of(getClass().getPackageName(), adapterPackages()).check();
    }

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

    /** A token that claims no signature is needed ({@code alg: none}), or whose claims were changed after signing. */
    @Test
    void anUnsignedOrAlteredTokenIsAuthFailure() {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String claims = base64.encodeToString(("{\"iss\":\"" + AccountTokens.ISSUER + "\",\"sub\":\"111122223333\","
                + "\"account\":\"111122223333\",\"exp\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")
                .getBytes(StandardCharsets.UTF_8));
        String none = base64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        given().auth().oauth2(none + "." + claims + ".").when().get("/caller-identity").then().statusCode(401)
                .body("Errors[0].Code", equalTo("AuthFailure"));
        String[] signed = RegionTestResource.tokens().token("111122223333").split("\\.");
        String altered = signed[0] + "." + base64.encodeToString(new String(Base64.getUrlDecoder().decode(signed[1]),
                StandardCharsets.UTF_8).replace("111122223333", "444455556666")
                .getBytes(StandardCharsets.UTF_8)) + "." + signed[2];
        given().auth().oauth2(altered).when().get("/caller-identity").then().statusCode(401)
                .body("Errors[0].Code", equalTo("AuthFailure"));
    }

    @Test
    void aTokenWithoutATwelveDigitAccountIsAuthFailure() {
        given().auth().oauth2(RegionTestResource.tokens().token("alice"))
                .when().get("/caller-identity").then().statusCode(401)
                .body("Errors[0].Code", equalTo("AuthFailure"));
    }

    /**
     * Generated from the service's own OpenAPI document, so an operator call added later is covered without a test
     * of its own: every {@code /admin} path and method, called as an account, is refused before it runs.
     */
    @Test
    void everyOperatorCallIsRefusedToAnAccountAndCounted() {
        Map<String, Map<String, Object>> paths = given().when().get("/q/openapi?format=json").then().statusCode(200)
                .extract().jsonPath().getMap("paths");
        List<String> refused = new ArrayList<>();
        for (var path : paths.entrySet()) {
            if (!path.getKey().startsWith("/admin")) {
                continue;
            }
            String concrete = path.getKey().replaceAll("\\{[^}]+}", "x");
            for (String method : path.getValue().keySet()) {
                given().auth().oauth2(RegionTestResource.tokens().token("111122223333"))
                        .when().request(method.toUpperCase(), concrete).then().statusCode(403)
                        .body("Errors[0].Code", equalTo("UnauthorizedOperation"));
                refused.add(method.toUpperCase() + " " + concrete);
            }
        }
        if (!refused.isEmpty()) {
            given().when().get("/q/metrics").then().statusCode(200)
                    .body(matchesPattern("(?s).*imageregistry_operator_calls_total\\{[^}]*outcome=\"refused\".*"));
        }
        assertEquals(expectedOperatorCalls(), refused.size(), "operator calls in the OpenAPI document: " + refused);
    }

    /** How many operator calls (path × method under /admin) this service has. */
    protected abstract int expectedOperatorCalls();

    /**
     * A NUL character, which no database column of ours can store, in a query parameter, in the path, or in a JSON
     * body's string, on every operation of the service's OpenAPI document: each is refused with EC2's
     * {@code InvalidParameterValue} before anything runs, never a 500.
     */
    @Test
    void aNulCharacterIsRefusedOnEveryOperation() {
        JsonPath openApi = given().when().get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();
        Map<String, Map<String, Map<String, Object>>> paths = openApi.getMap("paths");
        String token = RegionTestResource.tokens().token("111122223333");
        List<String> accepted = new ArrayList<>();
        int operations = 0;
        for (var path : paths.entrySet()) {
            String concrete = path.getKey().replaceAll("\\{[^}]+}", "x");
            for (var operation : path.getValue().entrySet()) {
                String method = operation.getKey().toUpperCase();
                if (!List.of("GET", "POST", "PUT", "DELETE").contains(method) || path.getKey().startsWith("/admin")) {
                    continue;
                }
                operations++;
                String where = method + " " + path.getKey();
                refusedAsInvalid(where + " ?Name=a%00b", accepted, given().auth().oauth2(token).urlEncodingEnabled(false)
                        .when().request(method, concrete + "?Name=a%00b"));
                if (concrete.contains("/x")) {
                    refusedAsInvalid(where + " NUL in the path", accepted, given().auth().oauth2(token)
                            .urlEncodingEnabled(false).when().request(method, concrete.replaceFirst("/x", "/x%00")));
                }
                String field = firstTextField(openApi, operation.getValue());
                if (field != null) {
                    refusedAsInvalid(where + " {\"" + field + "\": NUL}", accepted, given().auth().oauth2(token)
                            .contentType("application/json").body("{\"" + field + "\":\"a\\u0000b\"}")
                            .when().request(method, concrete));
                }
            }
        }
        assertTrue(operations > 0, "the OpenAPI document lists the service's operations");
        assertEquals(List.of(), accepted, "requests with a NUL that were not refused as InvalidParameterValue");
    }

    private static void refusedAsInvalid(String request, List<String> accepted, io.restassured.response.Response answer) {
        String code = errorCodeOf(answer);
        if (answer.statusCode() != 400 || !INVALID_PARAMETER.contains(code)) {
            accepted.add(request + " -> " + answer.statusCode() + " " + code);
        }
    }

    /** A bad parameter in either API's terms: EC2's code, or EBS's error type and Reason (the EBS direct APIs). */
    private static final List<String> INVALID_PARAMETER = List.of("InvalidParameterValue",
            "ValidationException INVALID_PARAMETER_VALUE");

    /**
     * The error an answer carries: EC2's {@code Errors[0].Code}, or, for the EBS direct APIs (rest-json), the
     * {@code x-amzn-ErrorType} header with the body's {@code Reason}; null when it is not an error answer.
     */
    private static String errorCodeOf(io.restassured.response.Response answer) {
        if (answer.getContentType() == null || !answer.getContentType().contains("json") || answer.statusCode() < 400) {
            return null;
        }
        String ebsType = answer.getHeader("x-amzn-ErrorType");
        if (ebsType != null) {
            String reason = answer.jsonPath().getString("Reason");
            return ebsType + (reason == null ? "" : " " + reason);
        }
        return answer.jsonPath().getString("Errors[0].Code");
    }

    /** The first text field of an operation's JSON request body, from its schema in the OpenAPI document. */
    @SuppressWarnings("unchecked")
    private static String firstTextField(JsonPath openApi, Map<String, Object> operation) {
        Object body = operation.get("requestBody");
        if (!(body instanceof Map<?, ?> requestBody) || !(requestBody.get("content") instanceof Map<?, ?> content)
                || !(content.get("application/json") instanceof Map<?, ?> json)
                || !(json.get("schema") instanceof Map<?, ?> schema)) {
            return null;
        }
        if (schema.get("$ref") instanceof String ref) {
            schema = openApi.getMap("components.schemas." + ref.substring(ref.lastIndexOf('/') + 1));
        }
        if (schema == null || !(schema.get("properties") instanceof Map<?, ?> properties)) {
            return null;
        }
        for (var property : ((Map<String, Object>) properties).entrySet()) {
            if (property.getValue() instanceof Map<?, ?> type && "string".equals(type.get("type"))) {
                return property.getKey();
            }
        }
        return null;
    }

    /** What the HTTP layer refuses by itself is answered in the same EC2 error shape as everything else. */
    @Test
    void oversizedAndUnreadableRequestsGetAnEc2ErrorBody() {
        String token = RegionTestResource.tokens().token("111122223333");
        given().auth().oauth2(token).when().get("/caller-identity?Name=" + "a".repeat(20_000)).then().statusCode(414)
                .body("Errors[0].Code", equalTo("RequestUriTooLong"));
        given().auth().oauth2(token).header("X-Padding", "p".repeat(40_000)).when().get("/caller-identity").then()
                .statusCode(431).body("Errors[0].Code", equalTo("RequestHeaderSectionTooLarge"));
        given().auth().oauth2(token).contentType("application/json").body("{\"Name\":\"" + "a".repeat(1_100_000) + "\"}")
                .when().post("/caller-identity").then().statusCode(413)
                .body("Errors[0].Code", equalTo("RequestEntityTooLarge"));
        byte[] badUtf8 = {'{', '"', 'N', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        JsonPath openApi = given().when().get("/q/openapi?format=json").then().extract().jsonPath();
        Map<String, Map<String, Map<String, Object>>> paths = openApi.getMap("paths");
        for (var path : paths.entrySet()) {
            for (var operation : path.getValue().entrySet()) {
                // Percent-encoded bytes that are not UTF-8 are read as U+FFFD, like any other odd text: never a 500.
                // (Reads only: a mutation that accepted it would leave something behind in the other tests' account.)
                if (operation.getKey().equalsIgnoreCase("get")) {
                    int status = given().auth().oauth2(token).urlEncodingEnabled(false).when()
                            .get(path.getKey().replaceAll("\\{[^}]+}", "x") + "?Name=%C3%28%FF").then().extract()
                            .statusCode();
                    assertTrue(status < 500, "GET " + path.getKey() + " with bad UTF-8 in the query: " + status);
                }
                if (firstTextField(openApi, operation.getValue()) != null) {
                    io.restassured.response.Response answer = given().auth().oauth2(token)
                            .contentType("application/json").body(badUtf8).when()
                            .request(operation.getKey().toUpperCase(), path.getKey().replaceAll("\\{[^}]+}", "x"));
                    assertEquals(400, answer.statusCode(), operation.getKey() + " " + path.getKey() + ": " + answer.asString());
                    assertTrue(INVALID_PARAMETER.contains(errorCodeOf(answer)),
                            operation.getKey() + " " + path.getKey() + ": " + errorCodeOf(answer));
                }
            }
        }
    }

    /**
     * Generated malformed requests (see {@link HostileRequests}) to every operation of the service's OpenAPI document,
     * as an account of their own: each gets a 2xx or a 4xx with EC2's error body, never a 5xx, a stack trace or an
     * empty body. {@code -Dhostile.seed} replays a run, {@code -Dhostile.per-operation} sets its size.
     */
    @Test
    void hostileRequestsGetACleanAnswer() throws Exception {
        long seed = Long.getLong("hostile.seed", System.nanoTime() % 100_000);
        int perOperation = Integer.getInteger("hostile.per-operation", 100);
        Map<String, Object> openApi = given().when().get("/q/openapi?format=json").then().statusCode(200).extract()
                .jsonPath().getMap("");
        HostileRequests generator = new HostileRequests(openApi, "/admin");
        String account = String.format("%012d", 900_000_000_000L + seed);
        String token = RegionTestResource.tokens().token(account);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://localhost:" + io.restassured.RestAssured.port;
        List<String> unclean = new ArrayList<>();
        int sent = 0;
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (HostileRequests.Request request : generator.generate(seed, perOperation)) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + request.uri()))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
            if (request.contentType() != null) {
                builder.header("Content-Type", request.contentType());
            }
            builder.method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(request.body()));
            boolean writes = !request.method().equals("GET");
            long before = writes ? storedEvents(account, List.of()) : 0;
            HttpResponse<String> answer = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            sent++;
            if (writes && answer.statusCode() >= 400 && storedEvents(account, List.of()) != before) {
                unclean.add(request.what() + ": refused with " + answer.statusCode() + ", yet events were stored");
            }
            statuses.merge(answer.statusCode(), 1, Integer::sum);
            String body = answer.body();
            // The EBS direct APIs (rest-json) name their error in x-amzn-ErrorType (itself "…Exception") and answer
            // {"Message", "Reason"}; every other call answers EC2's error body.
            boolean ebs = answer.headers().firstValue("x-amzn-ErrorType").isPresent();
            boolean clean = answer.statusCode() < 500 && !body.contains("\tat ")
                    && (ebs ? !body.contains("java.") && body.matches("(?s)\\{\"Message\":\".*\"(,\"Reason\":\"[A-Z_]+\")?\\}")
                            : !body.contains("Exception") && (answer.statusCode() < 400
                                    || body.matches("(?s)\\{\"Errors\":\\[\\{\"Code\":\"[A-Za-z.]+\",\"Message\":.*")));
            if (!clean) {
                unclean.add(request.what() + " " + request.uri().substring(0, Math.min(200, request.uri().length()))
                        + " -> " + answer.statusCode() + " " + body.substring(0, Math.min(300, body.length())));
            }
        }
        System.out.printf("[hostile] seed %d: %d requests to %d operations, answers by status %s%n", seed, sent,
                generator.operations(), statuses);
        assertTrue(sent >= generator.operations() * perOperation && generator.operations() > 0, "requests sent: " + sent);
        assertEquals(List.of(), unclean, "answers that were not clean (seed " + seed + ", " + sent + " requests)");
    }

    /**
     * Private resources of {@code owner}, by kind ({@code image}, {@code snapshot}, {@code instance}, {@code volume},
     * {@code copy}) to ID, made with the service's own fixtures for the cross-account matrix; none by default.
     */
    protected Map<String, String> privateResourcesOf(String owner) {
        return Map.of();
    }

    /** The service's own database (its {@code event_store}), to show that a refused request stored nothing. */
    @Inject
    protected DataSource database;

    /** Events stored that name the account anywhere in their envelope, or are of one of the aggregates. */
    private long storedEvents(String account, java.util.Collection<String> aggregateIds) {
        try (Connection connection = database.getConnection();
                PreparedStatement count = connection.prepareStatement("select count(*) from event_store where "
                        + "strpos(envelope::text, ?) > 0 or aggregate_id = any(?)")) {
            count.setString(1, account);
            count.setArray(2, connection.createArrayOf("text", aggregateIds.toArray()));
            try (ResultSet rows = count.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The cross-account matrix, generated from the OpenAPI document (so a new operation is covered without editing
     * this test): every operation that takes an ID of a kind the owner has is sent by a stranger with the owner's
     * private resource in it, and again with an ID of the same shape that exists nowhere. The first is refused (a GET
     * may answer, without the owner's resource), both get the same status and code (the stranger cannot learn that
     * the resource exists), nothing is stored, and no answer is a 5xx. The owner's own GETs find the resources, so
     * the matrix asks about real ones.
     */
    @Test
    void noAccountReachesAnotherAccountsPrivateResources() {
        String owner = "900000000501";
        String stranger = RegionTestResource.tokens().token("900000000502");
        Map<String, String> owned = privateResourcesOf(owner);
        Map<String, Object> openApi = given().when().get("/q/openapi?format=json").then().statusCode(200).extract()
                .jsonPath().getMap("$");
        List<CrossAccountMatrix.Case> cases = new CrossAccountMatrix(openApi).cases(owned, "/admin");
        List<String> breaches = new ArrayList<>();
        Map<String, Integer> answers = new java.util.TreeMap<>();
        int ownerFound = 0;
        for (CrossAccountMatrix.Case matrixCase : cases) {
            long before = storedEvents("900000000502", owned.values());
            io.restassured.response.Response asStranger = send(stranger, matrixCase.method(), matrixCase.owned());
            long after = storedEvents("900000000502", owned.values());
            io.restassured.response.Response unknown = send(stranger, matrixCase.method(), matrixCase.unknown());
            int status = asStranger.statusCode();
            String code = errorCode(asStranger);
            answers.merge(status + (code == null ? "" : " " + code), 1, Integer::sum);
            String body = asStranger.asString();
            if (status >= 500) {
                breaches.add(matrixCase.what() + ": " + status + " " + body);
            } else if (status < 300 && !matrixCase.method().equals("GET")) {
                breaches.add(matrixCase.what() + ": the stranger's change was accepted (" + status + " " + body + ")");
            } else if (status < 300 && owned.values().stream().anyMatch(body::contains)) {
                breaches.add(matrixCase.what() + ": the stranger read the owner's resource: " + body);
            } else if (status != unknown.statusCode() || !java.util.Objects.equals(code, errorCode(unknown))) {
                breaches.add(matrixCase.what() + ": the answer tells the resource exists (" + status + " " + code
                        + ", for an ID that exists nowhere " + unknown.statusCode() + " " + errorCode(unknown) + ")");
            }
            if (after != before) {
                breaches.add(matrixCase.what() + ": " + (after - before) + " events were stored for a stranger's request");
            }
            if (matrixCase.method().equals("GET") && send(RegionTestResource.tokens().token(owner), "GET",
                    matrixCase.owned()).statusCode() == 200) {
                ownerFound++;
            }
        }
        System.out.printf("[matrix] %d cases over %s, the stranger's answers %s; the owner's GETs found %d%n",
                cases.size(), owned.keySet(), answers, ownerFound);
        assertEquals(List.of(), breaches, "what a stranger could do with another account's private resources");
        assertTrue(owned.isEmpty() || ownerFound > 0, "the owner's own GETs find its resources");
    }

    private static io.restassured.response.Response send(String token, String method, CrossAccountMatrix.Request request) {
        var spec = given().auth().oauth2(token).queryParams(request.query());
        if (request.body() != null) {
            spec = spec.contentType("application/json").body(request.body());
        } else if (!method.equals("GET")) {
            spec = spec.contentType("application/json").body("{}");
        }
        return spec.when().request(method, request.path());
    }

    private static String errorCode(io.restassured.response.Response answer) {
        return errorCodeOf(answer);
    }

    /** The account whose describes the platform's test profile limits to a bucket of 5 that barely refills. */
    static final String THROTTLED_ACCOUNT = "900000000429";

    @Test
    void anAccountOverItsRequestLimitIsRefusedAndOtherAccountsAreServed() {
        String flooder = RegionTestResource.tokens().token(THROTTLED_ACCOUNT);
        int served = 0;
        io.restassured.response.Response refused = null;
        for (int i = 0; i < 20 && refused == null; i++) {
            io.restassured.response.Response answer = given().auth().oauth2(flooder).when().get("/caller-identity");
            if (answer.statusCode() == 200) {
                served++;
            } else {
                refused = answer;
            }
        }
        assertTrue(served >= 5 && served <= 6, "a burst up to the bucket (5) is served, then no more: " + served);
        assertTrue(refused != null, "the flood is refused");
        refused.then().statusCode(503).body("Errors[0].Code", equalTo("RequestLimitExceeded"));
        given().auth().oauth2(RegionTestResource.tokens().token("900000000430"))
                .when().get("/caller-identity").then().statusCode(200).body("Account", equalTo("900000000430"));
        // What the AWS gateway passes on for the account it has admitted already is not counted a second time.
        given().auth().oauth2(RegionTestResource.tokens().gatewayToken(THROTTLED_ACCOUNT))
                .when().get("/caller-identity").then().statusCode(200).body("Account", equalTo(THROTTLED_ACCOUNT));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("imageregistry_requests_limited_total{class=\"describe\""));
    }

    @Test
    void anOperatorsTokenActsAsNoAccount() {
        given().auth().oauth2(RegionTestResource.tokens().operatorToken())
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
