package dev.imageregistry.snapshot.rest;

import java.lang.annotation.Annotation;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.platform.errors.Ec2Error;

/**
 * The one place where refusals of the EBS direct APIs ({@link EbsResource}'s routes) take EBS's error shape: HTTP
 * status of the model's error shape, {@code x-amzn-ErrorType: <shape>}, body {@code {"Message", "Reason"}}.
 *
 * <p>The domain refuses with EC2's codes (it serves EC2's calls too), and every failure — the domain's refusals,
 * unreadable JSON, a missing or invalid token, a throttled account, an unexpected error — already reaches the answer
 * as an EC2 error body (the platform's mappers and filters). This filter turns that body into EBS's on EBS's routes
 * only, so nothing can slip through in the other shape, and the EC2 calls on {@code /snapshots} keep EC2's errors.
 * The routes are recognised by method and path, not by the matched resource method, because some refusals (a NUL in
 * the query, an oversized request) are answered before a request is matched.
 */
public class EbsRefusals {
    /** ErrorMessage's bound in the model. */
    static final int MAX_MESSAGE = 256;

    private static final String ID = "[^/]+";
    private static final List<Route> ROUTES = List.of(
            new Route("POST", "/snapshots/?"),
            new Route("PUT", "/snapshots/" + ID + "/blocks/" + ID),
            new Route("GET", "/snapshots/" + ID + "/blocks/" + ID),
            new Route("GET", "/snapshots/" + ID + "/blocks/?"),
            new Route("GET", "/snapshots/" + ID + "/changedblocks/?"),
            new Route("POST", "/snapshots/completion/" + ID),
            new Route("POST", "/snapshots/" + ID + "/block-uploads"),
            new Route("POST", "/snapshots/" + ID + "/block-references"));

    private record Route(String method, Pattern path) {
        Route(String method, String path) {
            this(method, Pattern.compile(path));
        }
    }

    /** An EBS error body; Reason only for the shapes that have one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EbsError(String message, String reason) {
    }

    /** A refusal in EBS's terms: the error shape, its HTTP status, and the model's Reason (null: the shape has none). */
    record Refusal(String type, int status, String reason) {
        static Refusal validation(String reason) {
            return new Refusal("ValidationException", 400, reason);
        }
    }

    @ServerResponseFilter
    public void inEbsShape(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(response.getEntity() instanceof Ec2Error error) || !isEbsRoute(request.getMethod(),
                request.getUriInfo().getPath())) {
            return;
        }
        Ec2Error.Detail detail = error.errors().get(0);
        Refusal refusal = of(response.getStatus(), detail.code(), detail.message());
        String message = detail.message() == null ? detail.code() : detail.message();
        if (message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE - 1) + "…";
        }
        response.setStatus(refusal.status());
        response.getHeaders().putSingle("x-amzn-ErrorType", refusal.type());
        response.setEntity(new EbsError(message, refusal.reason()), new Annotation[0], MediaType.APPLICATION_JSON_TYPE);
    }

    static boolean isEbsRoute(String method, String path) {
        return ROUTES.stream().anyMatch(r -> r.method().equals(method) && r.path().matcher(path).matches());
    }

    /**
     * EC2's code (and, for EC2's two generic codes, the parameter the message names) to EBS's error shape and Reason.
     * The domain names the parameter first in every InvalidParameterValue/MissingParameter message, which is what
     * tells a bad block index from a bad token; each mapping below is pinned by a test (EbsWireTest).
     */
    static Refusal of(int status, String code, String message) {
        return switch (code) {
            // Another account's snapshot is answered as a missing one, as everywhere.
            case "InvalidSnapshot.NotFound" -> new Refusal("ResourceNotFoundException", 404, "SNAPSHOT_NOT_FOUND");
            case "InvalidSnapshotID.Malformed" -> Refusal.validation("INVALID_SNAPSHOT_ID");
            // Not pending (PutSnapshotBlock, CompleteSnapshot), or a parent not completed: the model has no Reason
            // for a state; the snapshot named is what cannot take the call, so the ID is what the caller must change.
            case "IncorrectState" -> Refusal.validation("INVALID_SNAPSHOT_ID");
            case "InvalidPaginationToken" -> Refusal.validation("INVALID_PAGE_TOKEN");
            // The model's ConflictException is exactly this: a client token reused with other parameters.
            case "IdempotentParameterMismatch" -> new Refusal("ConflictException", 409, null);
            // A lost optimistic race (nothing applied, retry) and a direct upload whose block is not in the bucket
            // (our addition: upload it, then reference again) are conflicts with the resource's state too.
            case "ConcurrentModification", "InvalidBlock.NotUploaded" -> new Refusal("ConflictException", 409, null);
            case "RequestLimitExceeded" -> new Refusal("RequestThrottledException", 400, "ACCOUNT_THROTTLED");
            // No token, an invalid one, or one of no account: the platform's AuthFailure (401) and
            // UnauthorizedOperation (403) are EBS's AccessDeniedException.
            case "AuthFailure", "UnauthorizedOperation" -> new Refusal("AccessDeniedException", 403,
                    "UNAUTHORIZED_ACCOUNT");
            case "InvalidParameterValue", "MissingParameter", "IncompleteBody", "RequestEntityTooLarge",
                    "RequestUriTooLong", "RequestHeaderSectionTooLarge", "UnsupportedOperation" ->
                Refusal.validation(parameterReason(message));
            default -> status >= 500
                    // S3 away (ServiceUnavailable), a deadlock victim, or a bug: EBS's retryable server error.
                    ? new Refusal("InternalServerException", 500, null)
                    : Refusal.validation("INVALID_PARAMETER_VALUE");
        };
    }

    /** The Reason of a refused parameter, from the parameter the message names. */
    private static String parameterReason(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (m.contains("blocktoken")) {
            return "INVALID_BLOCK_TOKEN";
        }
        if (m.contains("blockindex")) {
            // Not a number, negative, or outside the volume (VolumeSize × 2048 blocks).
            return "INVALID_BLOCK";
        }
        if (m.contains("volumesize")) {
            return "INVALID_VOLUME_SIZE";
        }
        if (m.contains("tag")) {
            return "INVALID_TAG";
        }
        // Everything else, a block whose data does not match its x-amz-Checksum included: the model's Reasons name
        // what is wrong, and there the x-amz-Checksum parameter's value is (INVALID_BLOCK names a block index; the
        // data itself is only ever judged against that parameter). Real EBS answers INVALID_PARAMETER_VALUE for a
        // body it cannot use too.
        return "INVALID_PARAMETER_VALUE";
    }
}
