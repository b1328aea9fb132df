package dev.imageregistry.launch.rest;

import java.util.UUID;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import dev.imageregistry.platform.errors.Ec2Error;

/**
 * A body field of the wrong type (MinCount "two") gets EC2's error body. Quarkus' own mapper for this exact
 * exception type otherwise wins over the platform's JsonProcessingException mapper and answers 400 without one.
 */
public class RequestBodyErrors {

    @ServerExceptionMapper(priority = 1)
    public Response wrongType(MismatchedInputException e) {
        StringBuilder path = new StringBuilder();
        e.getPath().forEach(ref -> path.append(path.isEmpty() ? "" : ".")
                .append(ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]"));
        String where = path.isEmpty() ? "" : " (" + path + ")";
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(Ec2Error.of("InvalidParameterValue",
                "Invalid request: a field has a value of the wrong type" + where + ".", UUID.randomUUID().toString()))
                .build();
    }
}
