package dev.imageregistry.gateway.signature;

import java.time.Duration;
import java.time.Instant;

import dev.imageregistry.gateway.wire.AwsError;

/**
 * How each service refuses a request it cannot authenticate. EC2 answers a wrong secret and an unknown key alike
 * ({@code AuthFailure}, so a prober learns nothing about which keys exist), and a stale request with
 * {@code RequestExpired}; STS distinguishes {@code InvalidClientTokenId} from {@code SignatureDoesNotMatch}. EBS (a
 * rest-json service) answers with the codes of AWS's front door of such services, all 403 but an unreadable
 * signature: {@code MissingAuthenticationTokenException}, {@code UnrecognizedClientException} for an unknown key,
 * {@code InvalidSignatureException} for a wrong signature, a wrong scope and a stale date ("Signature expired: …").
 */
enum Refusals {
    EC2, STS, EBS;

    static Refusals of(String service) {
        return switch (service == null ? "" : service) {
            case "sts" -> STS;
            case "ebs" -> EBS;
            default -> EC2;
        };
    }

    AwsError missing() {
        return switch (this) {
            case EC2 -> new AwsError(401, "AuthFailure", "The request carries no AWS Signature Version 4 authentication.");
            case STS -> new AwsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
            case EBS -> new AwsError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
        };
    }

    AwsError incomplete(String why) {
        return new AwsError(400, this == EBS ? "IncompleteSignatureException" : "IncompleteSignature", why);
    }

    AwsError unknownKey() {
        return switch (this) {
            case EC2 -> new AwsError(401, "AuthFailure", "AWS was not able to validate the provided access credentials");
            case STS -> new AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
            case EBS -> new AwsError(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
        };
    }

    AwsError mismatch() {
        String why = "The request signature we calculated does not match the signature you provided. Check your AWS "
                + "Secret Access Key and signing method.";
        return switch (this) {
            case EC2 -> new AwsError(401, "AuthFailure", "AWS was not able to validate the provided access credentials");
            case STS -> new AwsError(403, "SignatureDoesNotMatch", why);
            case EBS -> new AwsError(403, "InvalidSignatureException", why + " Consult the service documentation for details.");
        };
    }

    AwsError scope(String why) {
        return new AwsError(403, this == EBS ? "InvalidSignatureException" : "SignatureDoesNotMatch", why);
    }

    AwsError expired(String why) {
        return switch (this) {
            case EC2 -> new AwsError(400, "RequestExpired", why);
            case STS -> new AwsError(403, "SignatureDoesNotMatch", why);
            case EBS -> new AwsError(403, "InvalidSignatureException", why);
        };
    }

    /** A header-signed request dated more than 15 minutes from now, worded as each service words it. */
    AwsError skewed(String amzDate, Instant signedAt, Instant now) {
        if (this != EBS) {
            return expired("Request has expired: it is dated " + amzDate + ", more than 15 minutes from the server's time "
                    + SignatureV4.amzDate(now) + ".");
        }
        Duration skew = SignatureV4.MAX_SKEW;
        // AWS's own words, which tools show as they are: the earliest (or latest) date still accepted, and from what.
        return signedAt.isBefore(now)
                ? expired("Signature expired: " + amzDate + " is now earlier than " + SignatureV4.amzDate(now.minus(skew))
                        + " (" + SignatureV4.amzDate(now) + " - " + skew.toMinutes() + " min.)")
                : expired("Signature not yet current: " + amzDate + " is still later than "
                        + SignatureV4.amzDate(now.plus(skew)) + " (" + SignatureV4.amzDate(now) + " + " + skew.toMinutes()
                        + " min.)");
    }

    /**
     * The {@code x-amz-content-sha256} a request was signed with is not its body's: the body read here hashes to
     * something else, or (a body passed on unread) the hash differs from the checksum that vouches for the body.
     */
    AwsError contentMismatch(boolean streamed) {
        return new AwsError(400, "XAmzContentSHA256Mismatch", streamed
                ? "The provided 'x-amz-content-sha256' header does not match the SHA-256 of the x-amz-Checksum header."
                : "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
}
