package dev.imageregistry.gateway.ebs;

import java.util.Set;

import dev.imageregistry.gateway.wire.AwsError;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * A refusal on EBS's wire (rest-json): the code in {@code x-amzn-ErrorType} (where botocore and the SDKs read it),
 * a JSON body with the message, and the request ID. The model's own errors carry {@code Message} and, where the
 * model has one, {@code Reason}, as the snapshot-service answers them; the refusals of AWS's front door (a missing,
 * unknown or wrong signature) carry {@code message}, as AWS's do.
 */
public final class EbsRefusal extends AwsError {
    private static final CharSequence ERROR_TYPE = HttpHeaders.createOptimized("x-amzn-ErrorType");
    private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-amzn-RequestId");
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    /** The error shapes of the model (service-2.json's {@code "exception": true}). */
    private static final Set<String> MODELLED = Set.of("ValidationException", "ResourceNotFoundException",
            "AccessDeniedException", "ConflictException", "RequestThrottledException", "ServiceQuotaExceededException",
            "InternalServerException", "ConcurrentLimitExceededException");

    private final String reason;

    public EbsRefusal(int status, String code, String message, String reason) {
        super(status, code, message);
        this.reason = reason;
    }

    static EbsRefusal throttled() {
        return new EbsRefusal(400, "RequestThrottledException", "The account's request rate for this operation is "
                + "exceeded; slow down and retry.", "ACCOUNT_THROTTLED");
    }

    static EbsRefusal unknownOperation(String method, String path) {
        return new EbsRefusal(404, "UnknownOperationException", "No EBS direct API operation is " + method + " "
                + path + ".", null);
    }

    static EbsRefusal unavailable(String what) {
        // The model's InternalServerException, with 503 so that every SDK's retry policy retries it.
        return new EbsRefusal(503, "InternalServerException", what + "; try again.", null);
    }

    static EbsRefusal internal() {
        return new EbsRefusal(500, "InternalServerException", "We encountered an internal error. Please try again.", null);
    }

    /** Writes any refusal in EBS's shape (the signature's and the HTTP layer's too); nothing when an answer is written. */
    public static void send(HttpServerResponse response, AwsError refusal, String requestId) {
        if (response.closed() || response.ended()) {
            return;
        }
        JsonObject body = new JsonObject();
        if (MODELLED.contains(refusal.code())) {
            body.put("Message", refusal.getMessage());
            if (refusal instanceof EbsRefusal ebs && ebs.reason != null) {
                body.put("Reason", ebs.reason);
            }
        } else {
            body.put("message", refusal.getMessage());
        }
        response.setStatusCode(refusal.status()).putHeader(ERROR_TYPE, refusal.code()).putHeader(REQUEST_ID, requestId)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body.toBuffer());
    }
}
