package dev.imageregistry.gateway.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.services.ec2.model.ModifyImageAttributeRequest;

import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.gateway.wire.QueryReader;
import dev.imageregistry.gateway.wire.WireShape;

/**
 * ModifyImageAttribute's two forms, as the SDKs and Terraform send them on the wire, become the registry's one
 * modification; combinations EC2 refuses are refused.
 */
class ImageAttributesTest {

    @Test
    void theStructuredLaunchPermissionFormPassesAsItIs() {
        ObjectNode body = ImageAttributes.modification(input("ImageId", "ami-0123456789abcdef0",
                "LaunchPermission.Add.1.UserId", "222222222222", "LaunchPermission.Add.2.Group", "all",
                "LaunchPermission.Remove.1.UserId", "333333333333"));
        assertEquals("{\"LaunchPermission\":{\"Add\":[{\"UserId\":\"222222222222\"},{\"Group\":\"all\"}],"
                + "\"Remove\":[{\"UserId\":\"333333333333\"}]}}", body.toString());
    }

    @Test
    void theOlderAttributeFormOfBoto3AndTerraformBecomesTheSame() {
        ObjectNode body = ImageAttributes.modification(input("ImageId", "ami-0123456789abcdef0",
                "Attribute", "launchPermission", "OperationType", "add", "UserId.1", "222222222222",
                "UserId.2", "333333333333", "UserGroup.1", "all"));
        assertEquals("{\"LaunchPermission\":{\"Add\":[{\"UserId\":\"222222222222\"},{\"UserId\":\"333333333333\"},"
                + "{\"Group\":\"all\"}]}}", body.toString());
        assertEquals("{\"LaunchPermission\":{\"Remove\":[{\"UserId\":\"222222222222\"}]}}", ImageAttributes.modification(
                input("ImageId", "ami-0123456789abcdef0", "OperationType", "remove", "UserId.1", "222222222222")).toString());
    }

    @Test
    void aDescriptionInEitherForm() {
        assertEquals("{\"Description\":{\"Value\":\"new words\"}}", ImageAttributes.modification(input("ImageId",
                "ami-0123456789abcdef0", "Description.Value", "new words")).toString());
        assertEquals("{\"Description\":{\"Value\":\"new words\"}}", ImageAttributes.modification(input("ImageId",
                "ami-0123456789abcdef0", "Attribute", "description", "Value", "new words")).toString());
    }

    @Test
    void whatEc2RefusesIsRefused() {
        assertCode("MissingParameter", input("ImageId", "ami-0123456789abcdef0", "Attribute", "launchPermission",
                "UserId.1", "222222222222"));
        assertCode("InvalidParameterValue", input("ImageId", "ami-0123456789abcdef0", "OperationType", "share",
                "UserId.1", "222222222222"));
        assertCode("InvalidParameterCombination", input("ImageId", "ami-0123456789abcdef0",
                "LaunchPermission.Add.1.UserId", "222222222222", "OperationType", "add", "UserId.1", "333333333333"));
        assertCode("InvalidParameterValue", input("ImageId", "ami-0123456789abcdef0", "Attribute", "kernel", "Value", "x"));
        assertCode("MissingParameter", input("ImageId", "ami-0123456789abcdef0", "Value", "orphan"));
        assertCode("MissingParameter", input("ImageId", "ami-0123456789abcdef0"));
    }

    private static void assertCode(String code, ObjectNode input) {
        AwsError error = assertThrows(AwsError.class, () -> ImageAttributes.modification(input));
        assertEquals(code, error.code(), error.getMessage());
    }

    private static ObjectNode input(String... parameters) {
        Map<String, String> query = new LinkedHashMap<>();
        for (int i = 0; i < parameters.length; i += 2) {
            query.put(parameters[i], parameters[i + 1]);
        }
        return QueryReader.read(query, WireShape.of(ModifyImageAttributeRequest::builder));
    }
}
