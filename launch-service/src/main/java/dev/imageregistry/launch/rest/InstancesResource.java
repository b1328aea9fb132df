package dev.imageregistry.launch.rest;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.limits.ActionClass;
import dev.imageregistry.platform.limits.LimitedAs;
import dev.imageregistry.launch.commands.InstanceCommands;
import dev.imageregistry.launch.domain.InstanceEvent;
import dev.imageregistry.launch.domain.RunInstancesRequest;
import dev.imageregistry.launch.queries.InstanceDescription.DescribeInstancesResult;
import dev.imageregistry.launch.queries.InstanceDescription.ImageReferences;
import dev.imageregistry.launch.queries.InstanceDescription.InstanceIdsRequest;
import dev.imageregistry.launch.queries.InstanceDescription.Reservation;
import dev.imageregistry.launch.queries.InstanceDescription.StartingInstances;
import dev.imageregistry.launch.queries.InstanceDescription.StoppingInstances;
import dev.imageregistry.launch.queries.InstanceDescription.TerminatingInstances;
import dev.imageregistry.launch.queries.InstanceQuery;
import dev.imageregistry.platform.identity.CallerAccount;

/** EC2's instance actions in the AWS CLI's JSON shape. Thin: it translates HTTP, the commands and queries answer. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Instances")
public class InstancesResource {
    private final CallerAccount caller;
    private final InstanceCommands commands;
    private final InstanceQuery query;
    private final ObjectMapper json;

    public InstancesResource(CallerAccount caller, InstanceCommands commands, InstanceQuery query, ObjectMapper json) {
        this.caller = caller;
        this.commands = commands;
        this.query = query;
        this.json = json;
    }

    /** CreateTags' and DeleteTags' body: {"Tags":[{"Key","Value"}]} (DeleteTags: Value optional, or no body). */
    public record TagsRequest(List<InstanceEvent.Tag> tags) {
    }

    @POST
    @Path("instances")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "RunInstances: launch MinCount..MaxCount instances of an image the caller may launch")
    @LimitedAs(ActionClass.LAUNCH)
    public Reservation run(RunInstancesRequest request) {
        return commands.run(caller.id(), request);
    }

    @GET
    @Path("instances")
    @Operation(summary = "DescribeInstances: InstanceId (repeatable), Filter.N.Name / Filter.N.Value.M "
            + "(instance-state-name, image-id, instance-type, tag:<key>, tag-key), MaxResults (5-1000), NextToken")
    public DescribeInstancesResult describe(@Context UriInfo uri) {
        DescribeParameters params = DescribeParameters.of(uri.getQueryParameters(), "InstanceId");
        List<InstanceQuery.Filter> filters = params.filters().stream()
                .map(filter -> new InstanceQuery.Filter(filter.name(), filter.values())).toList();
        return query.describe(caller.id(), params.ids(), filters, params.maxResults(), params.nextToken());
    }

    @POST
    @Path("instances/stop")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "StopInstances: running -> stopping -> stopped")
    public StoppingInstances stop(InstanceIdsRequest request) {
        return new StoppingInstances(commands.stop(caller.id(), request == null ? null : request.instanceIds()));
    }

    @POST
    @Path("instances/start")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "StartInstances: stopped -> pending -> running")
    public StartingInstances start(InstanceIdsRequest request) {
        return new StartingInstances(commands.start(caller.id(), request == null ? null : request.instanceIds()));
    }

    @POST
    @Path("instances/terminate")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "TerminateInstances: -> shutting-down -> terminated (visible for a while afterwards)")
    public TerminatingInstances terminate(InstanceIdsRequest request) {
        return new TerminatingInstances(commands.terminate(caller.id(), request == null ? null : request.instanceIds()));
    }

    @POST
    @Path("instances/{instanceId}/tags")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "CreateTags: adds or overwrites tags of the caller's instance (at most 50 per instance)")
    public Map<String, Object> createTags(@PathParam("instanceId") String instanceId, TagsRequest request) {
        commands.createTags(caller.id(), instanceId, request == null ? null : request.tags());
        return Map.of("Return", true);
    }

    @DELETE
    @Path("instances/{instanceId}/tags")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "DeleteTags: the keys named (only when the value matches, if one is given), or every tag "
            + "without a body")
    public Map<String, Object> deleteTags(@PathParam("instanceId") String instanceId, String body)
            throws JsonProcessingException {
        // The body is optional, so a DELETE without one (and without a content type) is read as text first.
        TagsRequest request = body == null || body.isBlank() ? null : json.readValue(body, TagsRequest.class);
        commands.deleteTags(caller.id(), instanceId, request == null ? null : request.tags());
        return Map.of("Return", true);
    }

    @GET
    @Path("images/{imageId}/references")
    @Operation(summary = "DescribeImageReferences: the caller's instances that use the image")
    public ImageReferences references(@PathParam("imageId") String imageId) {
        return new ImageReferences(query.references(caller.id(), imageId));
    }
}
