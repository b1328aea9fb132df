package dev.imageregistry.registry.rest;

import java.util.UUID;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import dev.imageregistry.platform.errors.Ec2Error;

/**
 * A body field of the wrong type (a string for VolumeSize, a word for DeprecateAt). Quarkus' own mapper for this
 * exception is more specific than the platform's JsonProcessingException mapper and answers in its own shape,
 * so this one restores EC2's error body. (Belongs in platform/errors; kept here until it moves.)
 */
public class MismatchedBodies {

    @ServerExceptionMapper(priority = 1)
    public Response mismatched(MismatchedInputException e) {
        StringBuilder path = new StringBuilder();
        e.getPath().forEach(ref -> path.append(path.length() == 0 ? "" : ".")
                .append(ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]"));
        String where = path.length() == 0 ? "" : " (" + path + ")";
        return Response.status(400).type(MediaType.APPLICATION_JSON)
                .entity(Ec2Error.of("InvalidParameterValue", "Invalid request: a field has a value of the wrong type"
                        + where + ".", UUID.randomUUID().toString()))
                .build();
    }
}
