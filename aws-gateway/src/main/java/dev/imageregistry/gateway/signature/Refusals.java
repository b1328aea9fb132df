package dev.imageregistry.gateway.signature;

import dev.imageregistry.gateway.wire.AwsError;

/**
 * How each service refuses a request it cannot authenticate. EC2 answers a wrong secret and an unknown key alike
 * ({@code AuthFailure}, so a prober learns nothing about which keys exist), and a stale request with
 * {@code RequestExpired}; STS distinguishes {@code InvalidClientTokenId} from {@code SignatureDoesNotMatch}.
 */
enum Refusals {
    EC2, STS;

    static Refusals of(String service) {
        return "sts".equals(service) ? STS : EC2;
    }

    AwsError missing() {
        return this == EC2 ? new AwsError(401, "AuthFailure", "The request carries no AWS Signature Version 4 authentication.")
                : new AwsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
    }

    AwsError incomplete(String why) {
        return new AwsError(400, "IncompleteSignature", why);
    }

    AwsError unknownKey() {
        return this == EC2 ? new AwsError(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
                : new AwsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
    }

    AwsError mismatch() {
        return this == EC2 ? new AwsError(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
                : new AwsError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                        + "signature you provided. Check your AWS Secret Access Key and signing method.");
    }

    AwsError scope(String why) {
        return new AwsError(403, "SignatureDoesNotMatch", why);
    }

    AwsError expired(String why) {
        return this == EC2 ? new AwsError(400, "RequestExpired", why) : new AwsError(403, "SignatureDoesNotMatch", why);
    }
}
