package dev.imageregistry.gateway.wire;

/**
 * What the HTTP layer refuses by itself, before any action is read: a path other than {@code /}, a method other than
 * GET and POST, a body over the limit or one that could not be read, a URI over the limit. Each is answered in EC2's error envelope with a
 * request ID, so a client always gets a code to act on, never an empty body.
 */
public final class HttpRefusals {
    private HttpRefusals() {
    }

    public static AwsError unknownPath() {
        return new AwsError(404, "InvalidAction", "This endpoint answers the EC2 and STS Query APIs at /.");
    }

    public static AwsError otherMethod() {
        return new AwsError(405, "InvalidAction", "The EC2 and STS Query APIs take GET and POST.");
    }

    public static AwsError tooLarge(long limitBytes) {
        return new AwsError(413, "InvalidRequest", "The request body is larger than the " + limitBytes
                + " bytes this endpoint accepts.");
    }

    public static AwsError uriTooLong(int limit) {
        return new AwsError(414, "RequestUriTooLong", "The request URI is longer than the " + limit
                + " characters this endpoint accepts; send the parameters in a form POST.");
    }

    public static AwsError unreadable() {
        return new AwsError(400, "InvalidRequest", "The request could not be read.");
    }
}
