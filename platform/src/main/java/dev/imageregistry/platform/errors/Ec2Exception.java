package dev.imageregistry.platform.errors;

/**
 * A refused request, with the HTTP status and the error code EC2 uses for the same refusal, so that the AWS
 * documentation explains it. Thrown before anything is written, or inside the transaction that it rolls back.
 */
public class Ec2Exception extends RuntimeException {
    private final int status;
    private final String code;

    public Ec2Exception(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static Ec2Exception badRequest(String code, String message) {
        return new Ec2Exception(400, code, message);
    }

    public static Ec2Exception invalidParameter(String message) {
        return new Ec2Exception(400, "InvalidParameterValue", message);
    }

    public static Ec2Exception missingParameter(String parameter) {
        return new Ec2Exception(400, "MissingParameter", "The request must contain the parameter " + parameter);
    }

    public static Ec2Exception notFound(String code, String message) {
        return new Ec2Exception(400, code, message);
    }

    /** A resource ID that is not of its kind's shape, with EC2's code for that kind. */
    public static Ec2Exception malformed(dev.imageregistry.ids.ResourceKind kind, String id) {
        return new Ec2Exception(400, kind.malformedCode(), kind.malformedMessage(id));
    }

    /** Refuses an ID that is not of its kind's shape; returns it otherwise. */
    public static String requireWellFormed(dev.imageregistry.ids.ResourceKind kind, String id) {
        if (!kind.isWellFormed(id)) {
            throw malformed(kind, id);
        }
        return id;
    }

    public static Ec2Exception authFailure(String message) {
        return new Ec2Exception(401, "AuthFailure", message);
    }

    /** Another writer changed the aggregate first; retrying the request against the new state is safe. */
    public static Ec2Exception conflict(String aggregateId) {
        return new Ec2Exception(409, "ConcurrentModification",
                "The resource " + aggregateId + " was modified by another request; retry the request.");
    }

    public static Ec2Exception idempotentMismatch() {
        return new Ec2Exception(400, "IdempotentParameterMismatch",
                "The client token was already used with different parameters.");
    }
}
