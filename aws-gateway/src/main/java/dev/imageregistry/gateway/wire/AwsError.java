package dev.imageregistry.gateway.wire;

/**
 * A refusal in AWS's terms: the error code a client's SDK matches on, a message for people, and the HTTP status AWS
 * answers it with. Whatever the protocol, the gateway answers every refusal from one of these, so nothing refused
 * reaches a client as a 500 or an empty body.
 */
public class AwsError extends RuntimeException {
    private final String code;
    private final int status;

    public AwsError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    public static AwsError invalidParameterValue(String message) {
        return new AwsError(400, "InvalidParameterValue", message);
    }

    public static AwsError missingParameter(String name) {
        return new AwsError(400, "MissingParameter", "The request must contain the parameter " + name + ".");
    }

    public static AwsError unknownParameter(String name) {
        return new AwsError(400, "UnknownParameter", "The parameter " + name + " is not recognized.");
    }

    public static AwsError unsupported(String what) {
        return new AwsError(400, "UnsupportedOperation", what + " is not supported by this image registry.");
    }
}
