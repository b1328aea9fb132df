package dev.imageregistry.registry.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.identity.CallerAccount;
import dev.imageregistry.registry.commands.ImageAnswers.Deregistration;
import dev.imageregistry.registry.commands.ImageAnswers.ImageIdResult;
import dev.imageregistry.registry.commands.ImageAnswers.Outcome;
import dev.imageregistry.registry.commands.ImageCommands;
import dev.imageregistry.registry.domain.ImageRequests.*;
import dev.imageregistry.registry.queries.ImageDescription;
import dev.imageregistry.registry.queries.ImageQueries;
import dev.imageregistry.registry.queries.ImageQueries.Filter;
import dev.imageregistry.registry.queries.ImageQueries.Page;
import dev.imageregistry.registry.queries.ImageQueries.Query;

/** EC2's image actions over JSON. Thin: it translates HTTP and leaves every rule to the commands and queries. */
@Path("/images")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Images")
public class ImageResource {
    private static final Pattern FILTER_NAME = Pattern.compile("Filter\\.(\\d{1,3})\\.Name");
    private static final Pattern FILTER_VALUE = Pattern.compile("Filter\\.(\\d{1,3})\\.Value\\.\\d{1,3}");
    private static final int MAX_QUERY_ITEMS = 200;

    private final ImageCommands commands;
    private final ImageQueries queries;
    private final CallerAccount caller;

    public ImageResource(ImageCommands commands, ImageQueries queries, CallerAccount caller) {
        this.commands = commands;
        this.queries = queries;
        this.caller = caller;
    }

    public record DescribeImagesResult(List<ImageDescription> images, String nextToken) {
    }

    public record DescriptionAttribute(String imageId, AttributeValue description) {
    }

    public record LaunchPermissionAttribute(String imageId, List<LaunchPermission> launchPermissions) {
    }

    @POST
    @Operation(summary = "RegisterImage: an image whose block device mappings name completed snapshots you own")
    public ImageIdResult register(RegisterImage request) {
        return commands.register(caller.id(), request);
    }

    @POST
    @Path("/copy")
    @Operation(summary = "CopyImage into this Region: a pending image that the region-replicator fills")
    public ImageIdResult copy(CopyImage request) {
        return commands.copy(caller.id(), request);
    }

    @POST
    @Path("/from-instance")
    @Operation(summary = "CreateImage from one of the caller's instances: a pending image whose root device maps a "
            + "snapshot of the instance's root volume as it is now; available once that snapshot completes")
    public ImageIdResult createImage(CreateImage request) {
        return commands.createImage(caller.id(), request);
    }

    @GET
    @Operation(summary = "DescribeImages: ImageId, Owner, ExecutableBy, Filter.N.Name/Filter.N.Value.M, "
            + "IncludeDeprecated, IncludeDisabled, MaxResults, NextToken (query parameters, EC2's names)")
    public DescribeImagesResult describe(@Context UriInfo uri) {
        MultivaluedMap<String, String> parameters = uri.getQueryParameters();
        List<String> imageIds = listParameter(parameters, "ImageId");
        List<String> owners = listParameter(parameters, "Owner");
        List<String> executableBy = listParameter(parameters, "ExecutableBy");
        Map<Integer, String> filterNames = new TreeMap<>();
        Map<Integer, List<String>> filterValues = new TreeMap<>();
        int items = 0;
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            items += parameter.getValue().size();
            Matcher name = FILTER_NAME.matcher(parameter.getKey());
            Matcher value = FILTER_VALUE.matcher(parameter.getKey());
            if (name.matches()) {
                filterNames.put(Integer.valueOf(name.group(1)), parameter.getValue().get(0));
            } else if (value.matches()) {
                filterValues.computeIfAbsent(Integer.valueOf(value.group(1)), n -> new ArrayList<>())
                        .addAll(parameter.getValue());
            }
        }
        if (items > MAX_QUERY_ITEMS) {
            throw Ec2Exception.invalidParameter("At most " + MAX_QUERY_ITEMS + " query parameters are allowed.");
        }
        List<Filter> filters = new ArrayList<>();
        filterValues.keySet().forEach(n -> {
            if (!filterNames.containsKey(n)) {
                throw Ec2Exception.missingParameter("Filter." + n + ".Name");
            }
        });
        filterNames.forEach((n, name) -> filters.add(new Filter(name, filterValues.getOrDefault(n, List.of()))));
        Integer maxResults = null;
        String max = parameters.getFirst("MaxResults");
        if (max != null) {
            try {
                maxResults = Integer.valueOf(max);
            } catch (NumberFormatException e) {
                throw Ec2Exception.invalidParameter("MaxResults must be a number.");
            }
        }
        Page page = queries.describe(caller.id(), new Query(imageIds, owners, executableBy, filters,
                flag(parameters, "IncludeDeprecated"), flag(parameters, "IncludeDisabled"), maxResults,
                parameters.getFirst("NextToken")));
        return new DescribeImagesResult(page.images(), page.nextToken());
    }

    /** A Boolean parameter of EC2 ({@code true} or {@code false}; absent is false). */
    private static boolean flag(MultivaluedMap<String, String> parameters, String name) {
        String value = parameters.getFirst(name);
        if (value != null && !value.equals("true") && !value.equals("false")) {
            throw Ec2Exception.invalidParameter(name + " takes true or false.");
        }
        return "true".equals(value);
    }

    /** {@code Name=a&Name=b} and EC2's numbered {@code Name.1=a&Name.2=b} alike. */
    private static List<String> listParameter(MultivaluedMap<String, String> parameters, String name) {
        List<String> values = new ArrayList<>();
        parameters.forEach((key, list) -> {
            if (key.equals(name) || (key.startsWith(name + ".") && key.substring(name.length() + 1).matches("\\d{1,3}"))) {
                values.addAll(list);
            }
        });
        return values;
    }

    @GET
    @Path("/{imageId}/attributes/description")
    @Operation(summary = "DescribeImageAttribute description")
    public DescriptionAttribute description(@PathParam("imageId") String imageId) {
        ImageDescription image = queries.visibleImage(caller.id(), imageId);
        return new DescriptionAttribute(imageId, new AttributeValue(image.description()));
    }

    @GET
    @Path("/{imageId}/attributes/launchPermission")
    @Operation(summary = "DescribeImageAttribute launchPermission (owner only)")
    public LaunchPermissionAttribute launchPermission(@PathParam("imageId") String imageId) {
        String account = caller.id();
        List<LaunchPermission> permissions = new ArrayList<>();
        List<String> users = queries.launchUsers(account, imageId);
        if (queries.visibleImage(account, imageId).isPublic()) {
            permissions.add(new LaunchPermission(null, "all"));
        }
        users.forEach(user -> permissions.add(new LaunchPermission(user, null)));
        return new LaunchPermissionAttribute(imageId, permissions);
    }

    @GET
    @Path("/{imageId}/attributes/{attribute}")
    public DescriptionAttribute unknownAttribute(@PathParam("imageId") String imageId,
            @PathParam("attribute") String attribute) {
        throw Ec2Exception.invalidParameter("Value (" + (attribute.length() > 40 ? attribute.substring(0, 40) : attribute)
                + ") for parameter attribute is invalid. Valid values: description, launchPermission");
    }

    @POST
    @Path("/{imageId}/attributes")
    @Operation(summary = "ModifyImageAttribute: LaunchPermission {Add, Remove} and/or Description {Value}")
    public Outcome modify(@PathParam("imageId") String imageId, ModifyImageAttribute request) {
        return commands.modifyAttribute(caller.id(), imageId, request);
    }

    @POST
    @Path("/{imageId}/attributes/launch-permission/reset")
    @Operation(summary = "ResetImageAttribute launchPermission: the image becomes private again")
    public Outcome reset(@PathParam("imageId") String imageId, @QueryParam("ClientToken") String clientToken) {
        return commands.resetLaunchPermission(caller.id(), imageId, clientToken);
    }

    @POST
    @Path("/{imageId}/tags")
    @Operation(summary = "CreateTags on an image (at most 50 per image)")
    public Outcome createTags(@PathParam("imageId") String imageId, CreateTags request) {
        return commands.createTags(caller.id(), imageId, request);
    }

    @DELETE
    @Path("/{imageId}/tags")
    @Operation(summary = "DeleteTags: the keys named (and values, when given), or every tag without a body")
    public Outcome deleteTags(@PathParam("imageId") String imageId, DeleteTags request) {
        return commands.deleteTags(caller.id(), imageId, request);
    }

    @PUT
    @Path("/{imageId}/deprecation")
    @Operation(summary = "EnableImageDeprecation at DeprecateAt (rounded to the minute, not in the past)")
    public Outcome deprecate(@PathParam("imageId") String imageId, EnableDeprecation request) {
        return commands.deprecate(caller.id(), imageId, request);
    }

    @DELETE
    @Path("/{imageId}/deprecation")
    @Operation(summary = "DisableImageDeprecation")
    public Outcome cancelDeprecation(@PathParam("imageId") String imageId, @QueryParam("ClientToken") String clientToken) {
        return commands.cancelDeprecation(caller.id(), imageId, clientToken);
    }

    @POST
    @Path("/{imageId}/disable")
    @Operation(summary = "DisableImage: removes every launch permission")
    public Outcome disable(@PathParam("imageId") String imageId, @QueryParam("ClientToken") String clientToken) {
        return commands.disable(caller.id(), imageId, clientToken);
    }

    @POST
    @Path("/{imageId}/enable")
    @Operation(summary = "EnableImage: available again, launch permissions are not restored")
    public Outcome enable(@PathParam("imageId") String imageId, @QueryParam("ClientToken") String clientToken) {
        return commands.enable(caller.id(), imageId, clientToken);
    }

    @PUT
    @Path("/{imageId}/deregistration-protection")
    @Operation(summary = "EnableImageDeregistrationProtection (WithCooldown: 24 hours after disabling)")
    public Outcome protect(@PathParam("imageId") String imageId, EnableDeregistrationProtection request) {
        return commands.protect(caller.id(), imageId, request);
    }

    @DELETE
    @Path("/{imageId}/deregistration-protection")
    @Operation(summary = "DisableImageDeregistrationProtection")
    public Outcome unprotect(@PathParam("imageId") String imageId, @QueryParam("ClientToken") String clientToken) {
        return commands.unprotect(caller.id(), imageId, clientToken);
    }

    @DELETE
    @Path("/{imageId}")
    @Operation(summary = "DeregisterImage; DeleteAssociatedSnapshots=true asks the snapshot-service to delete them. "
            + "Warns (InstancesInUse, Warnings) when instances launched from the image have not terminated.")
    public Deregistration deregister(@PathParam("imageId") String imageId,
            @QueryParam("DeleteAssociatedSnapshots") String deleteSnapshots, @QueryParam("ClientToken") String clientToken) {
        if (deleteSnapshots != null && !deleteSnapshots.equals("true") && !deleteSnapshots.equals("false")) {
            throw Ec2Exception.invalidParameter("DeleteAssociatedSnapshots takes true or false.");
        }
        return commands.deregister(caller.id(), imageId, "true".equals(deleteSnapshots), clientToken);
    }
}
