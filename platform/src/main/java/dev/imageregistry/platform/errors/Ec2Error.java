package dev.imageregistry.platform.errors;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The error body, shaped like EC2's error response ({@code <Response><Errors><Error><Code>...}) in JSON:
 * {@code {"Errors":[{"Code":"InvalidAMIID.Malformed","Message":"..."}],"RequestID":"..."}}.
 */
public record Ec2Error(@JsonProperty("Errors") List<Detail> errors, @JsonProperty("RequestID") String requestId) {

    public record Detail(@JsonProperty("Code") String code, @JsonProperty("Message") String message) {
    }

    public static Ec2Error of(String code, String message, String requestId) {
        return new Ec2Error(List.of(new Detail(code, message)), requestId);
    }
}
