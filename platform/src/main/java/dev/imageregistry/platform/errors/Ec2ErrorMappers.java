package dev.imageregistry.platform.errors;

import java.util.UUID;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * Turns every failure into an EC2-style error body with a 4xx status. An unexpected failure becomes EC2's
 * InternalError without a stack trace; its detail goes to the log under the request ID the caller sees.
 */
public class Ec2ErrorMappers {
    private static final Logger LOG = Logger.getLogger(Ec2ErrorMappers.class);

    @ServerExceptionMapper
    public Response refused(Ec2Exception e) {
        return respond(e.status(), e.code(), e.getMessage());
    }

    @ServerExceptionMapper({ AuthenticationFailedException.class, UnauthorizedException.class,
            NotAuthorizedException.class })
    public Response unauthenticated(Exception e) {
        return respond(401, "AuthFailure",
                "AWS was not able to validate the provided access credentials: a valid bearer token naming a 12-digit account is required.");
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(403, "UnauthorizedOperation", "You are not authorized to perform this operation.");
    }

    /** Quarkus has its own mapper for this exact type (a 400 without a body); priority 1 puts EC2's first. */
    @ServerExceptionMapper(priority = 1)
    public Response wrongType(MismatchedInputException e) {
        if (refusalInside(e) instanceof Ec2Exception refused) {
            return refused(refused);
        }
        return respond(400, "InvalidParameterValue",
                "Invalid request: a field has a value of the wrong type" + fieldPath(e) + ".");
    }

    @ServerExceptionMapper(priority = 1)
    public Response unreadableBody(JsonProcessingException e) {
        if (refusalInside(e) instanceof Ec2Exception refused) {
            // A rule checked while the body was read (StorableTextJson), which Jackson wraps.
            return refused(refused);
        }
        String detail = e instanceof InvalidFormatException || e instanceof MismatchedInputException mismatched
                ? "a field has a value of the wrong type" + fieldPath(e)
                : "the request body is not valid JSON";
        return respond(400, "InvalidParameterValue", "Invalid request: " + detail + ".");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (e instanceof NotFoundException) {
            return respond(404, "InvalidAction", "The action or resource is not valid for this web service.");
        }
        if (e instanceof NotAllowedException) {
            return respond(405, "UnsupportedOperation", "The HTTP method is not supported by this resource.");
        }
        if (e instanceof NotSupportedException) {
            return respond(415, "InvalidParameterValue", "Unsupported content type.");
        }
        if (status == 413) {
            return respond(413, "RequestEntityTooLarge", "The request body is too large.");
        }
        if (status >= 400 && status < 500) {
            return respond(status, "InvalidParameterValue", "The request is not valid.");
        }
        return unexpected(e);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (e.getCause() instanceof Ec2Exception refused) {
            return refused(refused);
        }
        if (unstorableText(e)) {
            // The door (StorableTextFilter, StorableTextJson) refuses a NUL in a request's text; this is the net
            // under it for text that reached a statement another way. The transaction rolled back.
            return respond(400, "InvalidParameterValue",
                    "A parameter's value contains a NUL character (U+0000), which no EC2 parameter may contain.");
        }
        if (lostToAConcurrentTransaction(e)) {
            // PostgreSQL rolled the whole transaction back (nothing changed), so the same request can simply be
            // sent again: EC2's retryable server error, not an InternalError that suggests a bug.
            LOG.debugf(e, "request lost to a concurrent transaction");
            return respond(503, "ServiceUnavailable",
                    "The request conflicted with a concurrent request and was not applied; retry it.");
        }
        String requestId = UUID.randomUUID().toString();
        LOG.errorf(e, "request %s failed", requestId);
        return Response.status(500).type(MediaType.APPLICATION_JSON)
                .entity(Ec2Error.of("InternalError", "An internal error has occurred.", requestId)).build();
    }

    private static Throwable refusalInside(Throwable e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Ec2Exception) {
                return t;
            }
        }
        return null;
    }

    /** A refusal answered outside an exception mapper (by a request filter), in the same shape. */
    public static Response answer(Ec2Exception e) {
        return respond(e.status(), e.code(), e.getMessage());
    }

    /** The JDBC driver's refusal of a NUL in a text parameter (it never reaches PostgreSQL). */
    static boolean unstorableText(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql && t.getMessage() != null
                    && t.getMessage().startsWith("Zero bytes may not occur")) {
                return true;
            }
        }
        return false;
    }

    /** A deadlock victim (40P01) or a serialization failure (40001) anywhere in the cause chain. */
    static boolean lostToAConcurrentTransaction(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException sql
                    && ("40P01".equals(sql.getSQLState()) || "40001".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    private static String fieldPath(JsonProcessingException e) {
        if (e instanceof MismatchedInputException mismatched && !mismatched.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder(" (");
            mismatched.getPath().forEach(ref -> path.append(ref.getFieldName() != null ? ref.getFieldName()
                    : "[" + ref.getIndex() + "]").append('.'));
            path.setLength(path.length() - 1);
            return path.append(')').toString();
        }
        return "";
    }

    static Response respond(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Ec2Error.of(code, message, UUID.randomUUID().toString())).build();
    }
}
