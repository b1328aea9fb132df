package dev.imageregistry.gateway.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeImagesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeImagesResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.RegisterImageRequest;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The Query wire without a server: parameters as the SDKs flatten them become the model's tree, and what the writer
 * makes of a tree is read back by the AWS SDK's own EC2 and STS unmarshallers.
 */
class QueryWireTest {
    final ObjectMapper json = new ObjectMapper();
    final CannedTransport transport = new CannedTransport();
    final Ec2Client ec2 = Ec2Client.builder().httpClient(transport).region(Region.US_EAST_1)
            .endpointOverride(URI.create("http://127.0.0.1:1")).overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD))
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAEXAMPLE", "secret"))).build();
    final StsClient sts = StsClient.builder().httpClient(transport).region(Region.US_EAST_1)
            .endpointOverride(URI.create("http://127.0.0.1:1"))
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAEXAMPLE", "secret"))).build();

    @AfterEach
    void close() {
        ec2.close();
        sts.close();
    }

    @Test
    void flattenedListsAndStructuresBecomeTheModelsTree() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("Action", "RegisterImage");
        parameters.put("Version", "2016-11-15");
        parameters.put("Name", "web server (1)");
        parameters.put("EnaSupport", "true");
        parameters.put("BlockDeviceMapping.2.DeviceName", "/dev/sdb");
        parameters.put("BlockDeviceMapping.2.Ebs.SnapshotId", "snap-0000000000000000b");
        parameters.put("BlockDeviceMapping.1.DeviceName", "/dev/xvda");
        parameters.put("BlockDeviceMapping.1.Ebs.SnapshotId", "snap-0000000000000000a");
        parameters.put("BlockDeviceMapping.1.Ebs.VolumeSize", "8");
        parameters.put("TagSpecification.1.ResourceType", "image");
        parameters.put("TagSpecification.1.Tag.1.Key", "team");
        parameters.put("TagSpecification.1.Tag.1.Value", "web");
        ObjectNode input = QueryReader.read(parameters, WireShape.of(RegisterImageRequest::builder));
        assertEquals("web server (1)", input.path("Name").asText());
        assertTrue(input.path("EnaSupport").isBoolean());
        assertEquals("/dev/xvda", input.path("BlockDeviceMappings").path(0).path("DeviceName").asText());
        assertEquals(8, input.path("BlockDeviceMappings").path(0).path("Ebs").path("VolumeSize").intValue());
        assertEquals("snap-0000000000000000b", input.path("BlockDeviceMappings").path(1).path("Ebs").path("SnapshotId").asText());
        assertEquals("web", input.path("TagSpecifications").path(0).path("Tags").path(0).path("Value").asText());
        assertEquals(java.util.Set.of("Name", "EnaSupport", "BlockDeviceMappings.Ebs.SnapshotId",
                "BlockDeviceMappings.Ebs.VolumeSize", "BlockDeviceMappings.DeviceName", "TagSpecifications.ResourceType",
                "TagSpecifications.Tags.Key", "TagSpecifications.Tags.Value"),
                java.util.Set.copyOf(QueryReader.memberPaths(input)));
    }

    @Test
    void filtersWithSeveralValuesKeepTheirOrder() {
        Map<String, String> parameters = QueryParameters.decode(null, ("Action=DescribeImages&Owner.1=self&Owner.2=amazon"
                + "&Filter.1.Name=name&Filter.1.Value.1=ubuntu%2F*&Filter.1.Value.2=debian-%3F%3F&ImageId.10=ami-b&ImageId.9=ami-a")
                .getBytes(StandardCharsets.UTF_8));
        ObjectNode input = QueryReader.read(parameters, WireShape.of(DescribeImagesRequest::builder));
        assertEquals("[\"self\",\"amazon\"]", input.get("Owners").toString());
        assertEquals("[\"ubuntu/*\",\"debian-??\"]", input.path("Filters").path(0).path("Values").toString());
        assertEquals("[\"ami-a\",\"ami-b\"]", input.get("ImageIds").toString(), "numbered by position, not as text");
    }

    @Test
    void whatTheModelDoesNotNameIsRefusedNotIgnored() {
        assertCode("UnknownParameter", () -> QueryReader.read(Map.of("Owners.1", "self"),
                WireShape.of(DescribeImagesRequest::builder)));
        assertCode("UnknownParameter", () -> QueryReader.read(Map.of("ImageId.x", "ami-1"),
                WireShape.of(DescribeImagesRequest::builder)));
        assertCode("InvalidParameterValue", () -> QueryReader.read(Map.of("MaxResults", "ten"),
                WireShape.of(DescribeImagesRequest::builder)));
        assertCode("InvalidParameterValue", () -> QueryReader.read(Map.of("IncludeDeprecated", "yes"),
                WireShape.of(DescribeImagesRequest::builder)));
        assertCode("InvalidParameterValue", () -> QueryParameters.decode("Owner.1=self&Owner.1=amazon", null));
        assertCode("MalformedQueryString", () -> QueryParameters.decode("Name=%zz", null));
        assertCode("MalformedQueryString", () -> QueryParameters.decode("Name=%C3%28", null));
    }

    @Test
    void theSdkReadsADescribeImagesAnswer() throws Exception {
        JsonNode members = json.readTree("""
                {"Images":[{"ImageId":"ami-0123456789abcdef0","OwnerId":"111111111111","Name":"web <&> \\"1\\"",
                  "State":"available","PublicLaunchPermissions":true,"CreationDate":"2026-12-03T13:04:05.123Z",
                  "ImageOwnerAlias":"amazon","EnaSupport":true,"Architecture":"x86_64","RootDeviceType":"ebs",
                  "BlockDeviceMappings":[{"DeviceName":"/dev/xvda","Ebs":{"SnapshotId":"snap-0123456789abcdef0",
                    "VolumeSize":8,"VolumeType":"gp3","DeleteOnTermination":true,"Encrypted":false}}],
                  "Tags":[{"Key":"team","Value":"web"},{"Key":"stage","Value":""}],
                  "StateReason":{"Code":"x","Message":"y"},"NotInTheModel":"dropped"}],
                 "NextToken":"bmV4dA=="}""");
        byte[] xml = XmlAnswer.EC2.answer("DescribeImages", WireShape.of(DescribeImagesResponse::builder), members, "req-1");
        String text = new String(xml, StandardCharsets.UTF_8);
        assertTrue(text.contains("<DescribeImagesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"), text);
        assertTrue(text.contains("<imagesSet><item><blockDeviceMapping><item><ebs><deleteOnTermination>true"), text);
        assertTrue(text.contains("<isPublic>true</isPublic>") && text.contains("<imageState>available</imageState>"), text);
        assertFalse(text.contains("NotInTheModel") || text.contains("dropped"), text);

        transport.answer(200, xml);
        DescribeImagesResponse answer = ec2.describeImages(r -> r.owners("self"));
        assertEquals("bmV4dA==", answer.nextToken());
        Image image = answer.images().get(0);
        assertEquals("ami-0123456789abcdef0", image.imageId());
        assertEquals("web <&> \"1\"", image.name());
        assertEquals("available", image.stateAsString());
        assertEquals("111111111111", image.ownerId());
        assertEquals("amazon", image.imageOwnerAlias());
        assertTrue(image.publicLaunchPermissions());
        assertEquals("2026-12-03T13:04:05.123Z", image.creationDate());
        assertEquals(8, image.blockDeviceMappings().get(0).ebs().volumeSize());
        assertEquals("snap-0123456789abcdef0", image.blockDeviceMappings().get(0).ebs().snapshotId());
        assertFalse(image.blockDeviceMappings().get(0).ebs().encrypted());
        assertEquals(2, image.tags().size());
        assertEquals("", image.tags().get(1).value());
        assertEquals("y", image.stateReason().message());
    }

    @Test
    void theSdkReadsAnEc2Error() {
        transport.answer(400, XmlAnswer.EC2.error(new AwsError(400, "InvalidAMIID.NotFound",
                "The image id '[ami-1]' does not exist"), "req-2"));
        Ec2Exception error = assertThrows(Ec2Exception.class, () -> ec2.describeImages(r -> r.imageIds("ami-12345678")));
        assertEquals("InvalidAMIID.NotFound", error.awsErrorDetails().errorCode());
        assertEquals("The image id '[ami-1]' does not exist", error.awsErrorDetails().errorMessage());
        assertEquals("req-2", error.requestId());
        assertEquals(400, error.statusCode());
    }

    @Test
    void aRefusalQuotingTextXmlCannotCarryIsStillWrittenAndRead() {
        // A client's NUL, lone surrogate or U+FFFF quoted back in a message once made the XML writer fail: no answer.
        transport.answer(400, XmlAnswer.EC2.error(new AwsError(400, "InvalidParameterValue",
                "Invalid name 'a\u0000b\ud800c\uffff' (\ud83d\ude00)"), "req-7"));
        Ec2Exception error = assertThrows(Ec2Exception.class, () -> ec2.describeImages(r -> r.imageIds("ami-12345678")));
        assertEquals("InvalidParameterValue", error.awsErrorDetails().errorCode());
        assertEquals("Invalid name 'a\ufffdb\ufffdc\ufffd' (\ud83d\ude00)", error.awsErrorDetails().errorMessage());
    }

    @Test
    void theSdkRetriesALostRaceAndSucceeds() throws Exception {
        // A ConcurrentModification is answered as a 503 precisely so that this happens.
        byte[] conflict = XmlAnswer.EC2.error(new AwsError(503, "ConcurrentModification", "lost a race"), "req-3");
        byte[] ok = XmlAnswer.EC2.answer("DescribeImages", WireShape.of(DescribeImagesResponse::builder),
                json.readTree("{\"Images\":[]}"), "req-4");
        transport.answers(503, conflict, 200, ok);
        assertTrue(ec2.describeImages().images().isEmpty());
        assertEquals(2, transport.calls());
    }

    @Test
    void theSdkReadsStsAnswersAndErrors() throws Exception {
        transport.answer(200, XmlAnswer.QUERY.answer("GetCallerIdentity",
                WireShape.of(GetCallerIdentityResponse::builder),
                json.readTree("{\"Account\":\"111111111111\",\"Arn\":\"arn:aws:iam::111111111111:root\",\"UserId\":\"111111111111\"}"),
                "req-5"));
        GetCallerIdentityResponse identity = sts.getCallerIdentity();
        assertEquals("111111111111", identity.account());
        assertEquals("arn:aws:iam::111111111111:root", identity.arn());
        transport.answer(403, XmlAnswer.QUERY.error(new AwsError(403, "InvalidClientTokenId",
                "The security token included in the request is invalid."), "req-6"));
        StsException error = assertThrows(StsException.class, sts::getCallerIdentity);
        assertEquals("InvalidClientTokenId", error.awsErrorDetails().errorCode());
    }

    private static void assertCode(String code, Runnable call) {
        AwsError error = assertThrows(AwsError.class, call::run);
        assertEquals(code, error.code(), error.getMessage());
    }
}
