package dev.imageregistry.gateway.ec2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.imageregistry.gateway.signature.Caller;
import dev.imageregistry.gateway.wire.AwsError;

/** One call of an action: who made it, and its input keyed by the model's member names. */
public record ActionCall(Caller caller, ObjectNode input) {
    public String account() {
        return caller.account();
    }

    public String text(String member) {
        JsonNode value = input.get(member);
        return value == null || value.isNull() ? null : value.asText();
    }

    public String required(String member, String parameter) {
        String value = text(member);
        if (value == null || value.isEmpty()) {
            throw AwsError.missingParameter(parameter);
        }
        return value;
    }
}
