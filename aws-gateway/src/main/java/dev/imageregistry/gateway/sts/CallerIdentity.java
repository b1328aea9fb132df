package dev.imageregistry.gateway.sts;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.services.sts.model.GetCallerIdentityRequest;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

import dev.imageregistry.gateway.signature.Caller;
import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.gateway.wire.QueryReader;
import dev.imageregistry.gateway.wire.WireShape;

/**
 * STS GetCallerIdentity, the first call Terraform's AWS provider makes: the account, ARN and user ID of the key that
 * signed the request. STS's other actions (temporary credentials) are not offered: the keys are long-lived.
 */
@ApplicationScoped
public class CallerIdentity {
    private static final WireShape REQUEST = WireShape.of(GetCallerIdentityRequest::builder);
    private static final WireShape ANSWER = WireShape.of(GetCallerIdentityResponse::builder);

    public boolean answers(String action) {
        return "GetCallerIdentity".equals(action);
    }

    public WireShape shape(String action) {
        return ANSWER;
    }

    public JsonNode answer(String action, Caller caller, Map<String, String> parameters) {
        if (!"GetCallerIdentity".equals(action)) {
            throw new AwsError(400, "InvalidAction", "Could not find operation " + action + " for version 2011-06-15");
        }
        QueryReader.read(parameters, REQUEST);
        ObjectNode identity = JsonNodeFactory.instance.objectNode();
        identity.put("UserId", caller.userId());
        identity.put("Account", caller.account());
        identity.put("Arn", caller.arn());
        return identity;
    }
}
