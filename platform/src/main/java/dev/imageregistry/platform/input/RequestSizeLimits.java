package dev.imageregistry.platform.input;

import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.platform.errors.Ec2Error;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The request's size limits, answered in EC2's JSON error shape. The HTTP server's own answers to an oversized URI,
 * header section or body are bare status lines with no body, so a client gets no code to act on: here the server's
 * limits are set well above these ({@code quarkus.http.limits.*} in the platform's configuration) and this route,
 * first of all, refuses at these with a body. Past the server's limits (64 KiB of request line or headers) its bare
 * answer remains.
 */
@ApplicationScoped
public class RequestSizeLimits {
    private final int maxUri;
    private final int maxHeaders;
    private final long maxBody;
    private final ObjectMapper json;

    public RequestSizeLimits(ObjectMapper json,
            @ConfigProperty(name = "imageregistry.limits.max-uri-length", defaultValue = "16384") int maxUri,
            @ConfigProperty(name = "imageregistry.limits.max-header-size", defaultValue = "32768") int maxHeaders,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "1M") MemorySize maxBody) {
        this.json = json;
        this.maxUri = maxUri;
        this.maxHeaders = maxHeaders;
        this.maxBody = maxBody.asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::admit);
    }

    private void admit(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (request.uri().length() > maxUri) {
            refuse(context, 414, "RequestUriTooLong", "The request's URI is longer than " + maxUri + " characters.");
        } else if (headerBytes(request) > maxHeaders) {
            refuse(context, 431, "RequestHeaderSectionTooLarge",
                    "The request's headers are larger than " + maxHeaders + " bytes.");
        } else if (declaredBody(request) > maxBody) {
            refuse(context, 413, "RequestEntityTooLarge", "The request body is larger than " + maxBody + " bytes.");
        } else {
            context.next();
        }
    }

    private static long headerBytes(HttpServerRequest request) {
        long bytes = 0;
        for (Map.Entry<String, String> header : request.headers()) {
            bytes += header.getKey().length() + header.getValue().length() + 4;
        }
        return bytes;
    }

    private static long declaredBody(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        try {
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void refuse(RoutingContext context, int status, String code, String message) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(Ec2Error.of(code, message, UUID.randomUUID().toString()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // The rest of an oversized request is not read: the connection is closed after the answer.
        context.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close").end(io.vertx.core.buffer.Buffer.buffer(body));
    }
}
