package dev.imageregistry.replicator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.SelfSignedCertificate;
import dev.imageregistry.infra.testing.TopicTap;
import io.minio.StatObjectArgs;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A source Region in another cluster, reached as deployed: its Kafka only through a SASL_SSL listener with
 * SCRAM-SHA-512, trusting that cluster's certificate (a real broker with a certificate made at test time; see
 * {@link TwoRegionTestResource}, which every copy test shares). The source's events are published on its plaintext
 * listener, which this replicator is not told about: whatever it learns of the source, it learnt over TLS with its
 * password. The same listener with a wrong password is the Region {@value TwoRegionTestResource#REFUSED}.
 * Its blocks are read over HTTPS only, trusting its certificate through the CA file configured for that peer, with
 * the key pair configured for it (the shared pair is unknown to the source): every copy test reads blocks so.
 */
@QuarkusTest
@WithTestResource(TwoRegionTestResource.class)
class PeerOverTlsTest extends CopyTestRegions {
    static final String OWNER = "111111111111";

    @Test
    void aCopyFromARegionReachedOverSaslSslCompletes() {
        List<String> blocks = storeBlocks(4);
        String image = source.image(OWNER, List.of(source.snapshot(OWNER, blocks)));

        String copy = requestCopy(SourceRegionFixture.REGION, image);

        await().atMost(Duration.ofSeconds(60)).until(() -> types(copy).contains("ImageCopied")
                || types(copy).contains("ImageCopyFailed"));
        assertEquals("ImageCopied", types(copy).get(types(copy).size() - 1), "events of the copy: " + types(copy));
        for (String checksum : blocks) {
            assertArrayEquals(source.read(source.client, checksum), source.read(destination, checksum));
        }
    }

    @Test
    void aWrongPasswordLeavesTheCopyWaitingWithoutFailingOrCopying() {
        List<String> blocks = storeBlocks(2);
        String image = source.image(OWNER, List.of(source.snapshot(OWNER, blocks)));

        String copy = requestCopy(TwoRegionTestResource.REFUSED, image);

        // Past the lookup timeout (5 s), the copy says why it waits: the source's stream refuses this replicator.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                .auth().oauth2(RegionTestResource.tokens().token(OWNER)).get("/copies/" + copy)
                .then().statusCode(200).body("State", equalTo("copying"))
                .body("StateReason", containsString("Waiting for the event stream of " + TwoRegionTestResource.REFUSED))
                .body("StateReason", containsString("Authentication")));
        // And it keeps waiting: neither "the image does not exist" nor a copy made with credentials that were refused.
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
            assertFalse(types(copy).contains("ImageCopyFailed"), "events of the copy: " + types(copy));
            assertFalse(types(copy).contains("ImageCopied"), "events of the copy: " + types(copy));
        });
        given().auth().oauth2(RegionTestResource.tokens().token(OWNER)).get("/copies/" + copy)
                .then().statusCode(200).body("State", equalTo("copying")).body("BlocksDone", equalTo(0));
        for (String checksum : blocks) {
            assertFalse(inDestination(checksum), "a block of the refused copy reached the destination");
        }
    }

    @Test
    void aPeerWhoseS3CertificateIsNotTrustedKeepsTheCopyWaitingUntilTheRightCaIsInPlace() throws Exception {
        List<String> blocks = storeBlocks(2);
        String image = source.image(OWNER, List.of(source.snapshot(OWNER, blocks)));
        // What a peer looks like whose CA was renewed and not copied again: the CA file holds another certificate.
        Path trusted = source.trustedCa;
        String right = Files.readString(trusted);
        Path other = SelfSignedCertificate.in(Files.createTempDirectory("other-ca-")).certificatePem();
        replace(trusted, Files.readString(other));
        String copy;
        try {
            copy = requestCopy(SourceRegionFixture.REGION, image);
            // The event stream is fine, the handshake with the blocks' endpoint is not: the copy says so and waits.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given()
                    .auth().oauth2(RegionTestResource.tokens().token(OWNER)).get("/copies/" + copy)
                    .then().statusCode(200).body("State", equalTo("copying"))
                    .body("StateReason", containsString("SSLHandshakeException")));
            // Neither failed (it is not a corrupt or missing block) nor a block moved over a connection not trusted.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertFalse(types(copy).contains("ImageCopyFailed"), "events of the copy: " + types(copy));
                assertFalse(types(copy).contains("ImageCopied"), "events of the copy: " + types(copy));
            });
            given().auth().oauth2(RegionTestResource.tokens().token(OWNER)).get("/copies/" + copy)
                    .then().statusCode(200).body("State", equalTo("copying")).body("BlocksDone", equalTo(0));
            for (String checksum : blocks) {
                assertFalse(inDestination(checksum), "a block reached the destination over an untrusted connection");
            }
        } finally {
            // As Kubernetes updates a mounted Secret: the new content appears at once (a rename), no restart.
            replace(trusted, right);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> types(copy).contains("ImageCopied")
                || types(copy).contains("ImageCopyFailed"));
        assertEquals("ImageCopied", types(copy).get(types(copy).size() - 1), "events of the copy: " + types(copy));
        for (String checksum : blocks) {
            assertArrayEquals(source.read(source.client, checksum), source.read(destination, checksum));
        }
    }

    // --- helpers

    private static void replace(Path file, String content) throws Exception {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<String> storeBlocks(int count) {
        List<String> checksums = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            checksums.add(source.store(source.newBlock()));
        }
        return checksums;
    }

    private static String requestCopy(String sourceRegion, String sourceImage) {
        String copy = SourceRegionFixture.id("ami-");
        String request = ImageCopyTest.copyRequested(copy, OWNER, sourceImage, false)
                .replace("\"sourceRegion\":\"us-east-1\"", "\"sourceRegion\":\"" + sourceRegion + "\"");
        TopicTap.publish(RegionTestResource.region().kafka().bootstrapServers(), "image-events", copy, request);
        return copy;
    }

    private static List<String> types(String copy) {
        return copyEvents.recordsWithKey(copy).stream().map(ConsumerRecord::value)
                .map(value -> {
                    try {
                        return ImageCopyTest.JSON.readTree(value).path("type").asText();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }).toList();
    }

    private static boolean inDestination(String checksum) {
        try {
            destination.statObject(StatObjectArgs.builder().bucket("blocks")
                    .object("blocks/" + HexFormat.of().formatHex(Base64.getDecoder().decode(checksum))).build());
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
