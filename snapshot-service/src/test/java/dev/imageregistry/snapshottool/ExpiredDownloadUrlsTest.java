package dev.imageregistry.snapshottool;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.S3Server;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MinioClient;
import io.minio.http.Method;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A long download outlives its URLs: the tool's URL table, given URLs that really expired on the S3 server, gets
 * a fresh page from the service after the 403 and reads the block with it.
 */
@QuarkusTest
@WithTestResource(value = RegionTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "snapshot"),
        @ResourceArg(name = "topics", value = "image-events,snapshot-events,instance-events,copy-events"),
        @ResourceArg(name = "bucket", value = "snapshot-blocks") })
class ExpiredDownloadUrlsTest {
    static final String OWNER = "111122223333";

    @TestHTTPResource("/")
    URL service;

    @Test
    void anExpiredUrlIsReplacedByAFreshOne() throws Exception {
        SnapshotEndpoint api = new SnapshotEndpoint(service.toString(), RegionTestResource.tokens().token(OWNER));
        byte[][] data = new byte[3][SnapshotEndpoint.BLOCK_SIZE];
        java.util.SplittableRandom random = new java.util.SplittableRandom(System.nanoTime());
        var snapshot = api.startSnapshot(1, null, null, java.util.Map.of(), null);
        String snapshotId = snapshot.path("SnapshotId").asText();
        MessageDigest aggregate = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < data.length; i++) {
            random.nextBytes(data[i]);
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(data[i]);
            aggregate.update(sha);
            api.putBlock(snapshotId, i, data[i], Base64.getEncoder().encodeToString(sha));
        }
        assertEquals("completed", api.complete(snapshotId, data.length,
                Base64.getEncoder().encodeToString(aggregate.digest())));

        // The listing as a download started it, but with URLs that have since expired (signed for 1 s).
        S3Server s3 = RegionTestResource.region().s3();
        MinioClient signer = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .region("us-east-1").build();
        List<SnapshotEndpoint.Block> listed = new ArrayList<>();
        for (SnapshotEndpoint.Block b : api.listBlocks(snapshotId, true)) {
            String key = URI.create(b.downloadUrl()).getPath().replaceFirst("^/[^/]+/", "");
            listed.add(new SnapshotEndpoint.Block(b.index(), b.token(), b.checksum(), signer.getPresignedObjectUrl(
                    GetPresignedObjectUrlArgs.builder().method(Method.GET).bucket("snapshot-blocks").object(key)
                            .expiry(1, TimeUnit.SECONDS).build())));
        }
        String expired = listed.get(2).downloadUrl();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> status(expired) == 403);

        Download.DownloadUrls urls = new Download.DownloadUrls(api, snapshotId, listed);
        urls.asListed();
        byte[] into = new byte[SnapshotEndpoint.BLOCK_SIZE];
        assertThrows(SnapshotEndpoint.UrlRefused.class, () -> api.fetchDirect(urls.get(2), into));
        String fresh = urls.refresh(2, expired);
        assertNotEquals(expired, fresh);
        api.fetchDirect(fresh, into);
        assertArrayEquals(data[2], into);
        // Another worker that held the same expired URL gets the fresh one without another refresh.
        assertEquals(fresh, urls.refresh(2, expired));
        // The refresh covered the rest of the page from that block on, not the blocks before it.
        assertEquals(listed.get(1).downloadUrl(), urls.get(1));
    }

    static int status(String url) throws Exception {
        HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
        int status = http.getResponseCode();
        var in = status < 300 ? http.getInputStream() : http.getErrorStream();
        if (in != null) {
            in.readAllBytes();
            in.close();
        }
        return status;
    }
}
