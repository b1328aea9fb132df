package dev.imageregistry.snapshot;

import static dev.imageregistry.snapshot.SnapshotFixture.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Issue 3: while S3 is unreachable a block write fails with a retryable error and nothing half-written is ever
 * referenced by a snapshot; when S3 returns the service recovers by itself.
 */
@QuarkusTest
@WithTestResource(value = S3BehindSwitchableProxy.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class S3OutageTest {

    @Test
    void aBlockWriteDuringAnOutageIsRetryableAndLeavesTheMapUntouched() throws Exception {
        byte[] before = block(8001);
        byte[] during = block(8002);
        String id = start(OWNER, 1, null);
        put(OWNER, id, 0, before);
        given().get("/q/health/ready").then().statusCode(200).body("status", is("UP"));

        S3BehindSwitchableProxy.proxy().cut();
        try {
            // EBS's retryable server error (botocore retries a 500), never mistaken for a refusal of the input.
            put(OWNER, id, 1, during, sha(during)).then().statusCode(500)
                    .header("x-amzn-ErrorType", "InternalServerException").body("Message", containsString("retry"));
            given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks").then().statusCode(200)
                    .body("Blocks.BlockIndex", contains(0));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    given().get("/q/health/ready").then().statusCode(503).body("status", is("DOWN")));
        } finally {
            S3BehindSwitchableProxy.proxy().connect();
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body("status", is("UP")));
        // The same request, retried as a client would, now succeeds and the block reads back.
        put(OWNER, id, 1, during, sha(during)).then().statusCode(201);
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks").then().statusCode(200)
                .body("Blocks.BlockIndex", contains(0, 1));
        given().auth().oauth2(token(OWNER)).get("/snapshots/" + id + "/blocks/1").then().statusCode(200)
                .header("x-amz-Checksum", sha(during));
        org.junit.jupiter.api.Assertions.assertEquals("completed",
                complete(OWNER, id, 2, aggregate(List.of(before, during))));
    }
}
