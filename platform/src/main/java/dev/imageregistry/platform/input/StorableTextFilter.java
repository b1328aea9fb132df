package dev.imageregistry.platform.input;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.imageregistry.platform.errors.Ec2ErrorMappers;
import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * Refuses a request whose path or query parameters (decoded) hold text no database column may store, before it is
 * matched to a resource, so no code runs on it (see {@link StorableText}; JSON bodies: {@link StorableTextJson}).
 */
public class StorableTextFilter {
    @ServerRequestFilter(preMatching = true)
    public Response refuseUnstorableText(ContainerRequestContext request) {
        try {
            if (!StorableText.storable(request.getUriInfo().getPath())) {
                throw StorableText.refusal("path");
            }
            for (Map.Entry<String, List<String>> parameter : request.getUriInfo().getQueryParameters().entrySet()) {
                if (!StorableText.storable(parameter.getKey())) {
                    throw StorableText.refusal(parameter.getKey());
                }
                for (String value : parameter.getValue()) {
                    StorableText.check(parameter.getKey(), value);
                }
            }
            return null;
        } catch (Ec2Exception refused) {
            return Ec2ErrorMappers.answer(refused);
        }
    }
}
