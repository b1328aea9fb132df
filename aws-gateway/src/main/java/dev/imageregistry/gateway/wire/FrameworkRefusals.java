package dev.imageregistry.gateway.wire;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * What the HTTP layer refuses by itself (a path other than {@code /}, a method other than GET and POST, an
 * unreadable body) in EC2's error envelope, so a client always gets a code to act on, never an empty body.
 */
@Provider
public class FrameworkRefusals implements ExceptionMapper<WebApplicationException> {
    @Override
    public Response toResponse(WebApplicationException exception) {
        int status = exception.getResponse().getStatus();
        AwsError error = switch (status) {
            case 404 -> new AwsError(404, "InvalidAction", "This endpoint answers the EC2 and STS Query APIs at /.");
            case 405 -> new AwsError(405, "InvalidAction", "The EC2 and STS Query APIs take GET and POST.");
            case 415 -> new AwsError(415, "InvalidParameterValue", "The request's media type is not accepted.");
            default -> new AwsError(status >= 400 && status < 500 ? status : 400, "InvalidRequest",
                    "The request could not be read.");
        };
        String requestId = RequestIds.next();
        return Response.status(error.status()).entity(XmlAnswer.EC2.error(error, requestId)).type("text/xml;charset=UTF-8")
                .header("x-amzn-RequestId", requestId).build();
    }
}
