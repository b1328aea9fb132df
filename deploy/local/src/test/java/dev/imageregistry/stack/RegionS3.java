package dev.imageregistry.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** The few S3 calls the benchmark makes of the Region's S3 server (path-style): list, create a bucket, copy. */
final class RegionS3 {
    private final String endpoint;
    private final SignedHttp s3;

    RegionS3(String endpoint, String accessKey, String secretKey) {
        this.endpoint = endpoint;
        this.s3 = new SignedHttp("s3", AwsCredentialsIdentity.create(accessKey, secretKey));
    }

    /** How many objects the bucket holds under the prefix (ListObjectsV2, page by page). */
    long count(String bucket, String prefix) throws Exception {
        long objects = 0;
        String token = null;
        do {
            String uri = endpoint + "/" + bucket + "?list-type=2&prefix=" + encode(prefix)
                    + (token == null ? "" : "&continuation-token=" + encode(token));
            HttpResponse<String> answer = s3.send("GET", uri, Map.of());
            assertEquals(200, answer.statusCode(), answer.body());
            Document page = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(answer.body().getBytes(StandardCharsets.UTF_8)));
            objects += page.getElementsByTagName("Contents").getLength();
            NodeList next = page.getElementsByTagName("NextContinuationToken");
            token = next.getLength() == 0 ? null : next.item(0).getTextContent();
        } while (token != null);
        return objects;
    }

    void createBucket(String bucket) {
        HttpResponse<String> answer = s3.send("PUT", endpoint + "/" + bucket, Map.of());
        assertEquals(200, answer.statusCode(), answer.body());
    }

    /** CopyObject inside the server: the object is written again under the new key, its bytes never leave it. */
    void copy(String fromBucket, String fromKey, String toBucket, String toKey) {
        HttpResponse<String> answer = s3.send("PUT", endpoint + "/" + toBucket + "/" + toKey,
                Map.of("x-amz-copy-source", "/" + fromBucket + "/" + fromKey));
        assertEquals(200, answer.statusCode(), answer.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
