package dev.imageregistry.replicator.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyDispatched;

/**
 * A copy of one image to several Regions in one request (the API takes it PascalCase), and its rules: what may be
 * asked, and the one ImageCopyDispatched per destination it becomes.
 */
public record CopyImageToRegions(String sourceRegion, String sourceImageId, List<String> destinationRegions,
        String name, String description, Boolean copyImageTags, String clientToken) {

    public static final int MAX_DESTINATIONS = 10;
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
    /** EC2's AMI name alphabet: letters, digits, ( ) [ ] space . / - ' @ _ */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9()\\[\\] ./\\-'@_]{3,128}");

    /**
     * Refuses a request this Region cannot carry out, before anything is written (a refused request changes
     * nothing).
     *
     * @param copiesBetween whether the replicator copies between this Region and the named one
     * @param ownRegion     this Region: always a destination, even when not configured as a peer
     */
    public void validate(Predicate<String> copiesBetween, String ownRegion) {
        if (sourceRegion == null || sourceRegion.isEmpty()) {
            throw Ec2Exception.missingParameter("SourceRegion");
        }
        knownRegion("SourceRegion", sourceRegion, copiesBetween);
        if (sourceImageId == null || sourceImageId.isEmpty()) {
            throw Ec2Exception.missingParameter("SourceImageId");
        }
        Ec2Exception.requireWellFormed(ResourceKind.IMAGE, sourceImageId);
        if (destinationRegions == null) {
            throw Ec2Exception.missingParameter("DestinationRegions");
        }
        if (destinationRegions.isEmpty() || destinationRegions.size() > MAX_DESTINATIONS) {
            throw Ec2Exception.invalidParameter("DestinationRegions must list 1 to " + MAX_DESTINATIONS + " Regions.");
        }
        Set<String> seen = new HashSet<>();
        for (String destination : destinationRegions) {
            if (!ownRegion.equals(destination)) {
                knownRegion("DestinationRegions", destination, copiesBetween);
            }
            if (!seen.add(destination)) {
                throw Ec2Exception.invalidParameter("DestinationRegions lists " + destination + " more than once.");
            }
        }
        if (name == null) {
            throw Ec2Exception.missingParameter("Name");
        }
        if (!NAME.matcher(name).matches()) {
            throw Ec2Exception.badRequest("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters "
                    + "long, and may contain letters, numbers, '(', ')', '.', '-', '/', '_', ' ', '[', ']', ''' and '@'");
        }
        if (description != null && description.length() > 255) {
            throw Ec2Exception.invalidParameter("Description must be at most 255 characters.");
        }
    }

    /**
     * One dispatch per destination, each under a new image ID. Each destination's replicator assigns its copy to its
     * own registry, so every Region's registry stays the only producer of its image events.
     */
    public List<ImageCopyDispatched> dispatches(String caller, Supplier<String> newImageId, Instant now) {
        List<ImageCopyDispatched> dispatches = new ArrayList<>(destinationRegions.size());
        for (String destination : destinationRegions) {
            dispatches.add(new ImageCopyDispatched(newImageId.get(), caller, destination, sourceRegion, sourceImageId,
                    name, description, Boolean.TRUE.equals(copyImageTags), now));
        }
        return dispatches;
    }

    private static void knownRegion(String parameter, String region, Predicate<String> copiesBetween) {
        if (region == null || !REGION.matcher(region).matches()) {
            throw Ec2Exception.invalidParameter("Invalid region in " + parameter + ": "
                    + (region == null ? "null" : printable(region)));
        }
        if (!copiesBetween.test(region)) {
            throw Ec2Exception.invalidParameter("Region " + region + " in " + parameter
                    + " is not a Region this service copies between.");
        }
    }

    /** Echoes caller input only as printable ASCII, and not much of it. */
    private static String printable(String value) {
        String shown = value.length() > 64 ? value.substring(0, 64) + "..." : value;
        return shown.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
