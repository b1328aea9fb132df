package dev.imageregistry.replicator.fanout;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.platform.ServiceIdentity;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.idempotency.ClientTokens;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.replicator.fanout.FanOutEvent.ImageCopyDispatched;
import dev.imageregistry.replicator.regions.SourceRegions;

/**
 * A copy of one image to several Regions in one request. This replicator only dispatches: it chooses the new image
 * ID of each destination and publishes one ImageCopyDispatched per destination, all in one transaction. Each
 * destination's replicator then assigns its copy to its own registry, so every Region's registry stays the only
 * producer of its image events, and each destination succeeds or fails on its own.
 */
@ApplicationScoped
public class CopyToRegions {
    public static final int MAX_DESTINATIONS = 10;
    private static final Pattern IMAGE_ID = Pattern.compile("ami-[0-9a-f]{17}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
    /** EC2's AMI name alphabet: letters, digits, ( ) [ ] space . / - ' @ _ */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9()\\[\\] ./\\-'@_]{3,128}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SourceRegions regions;
    private final ClientTokens clientTokens;
    private final EventStore events;
    private final String ownRegion;

    public CopyToRegions(SourceRegions regions, ClientTokens clientTokens, EventStore events,
            ServiceIdentity identity) {
        this.regions = regions;
        this.clientTokens = clientTokens;
        this.events = events;
        this.ownRegion = identity.region();
    }

    /** The request, as the API takes it (PascalCase on the wire). */
    public record CopyImageToRegions(String sourceRegion, String sourceImageId, List<String> destinationRegions,
            String name, String description, Boolean copyImageTags, String clientToken) {
    }

    public record RegionCopy(String region, String imageId, String state) {
    }

    public record RegionCopies(List<RegionCopy> copies) {
    }

    @Transactional
    public RegionCopies copy(String caller, CopyImageToRegions request) {
        validate(request);
        return clientTokens.once(caller, "CopyImageToRegions", request.clientToken(), request, RegionCopies.class, () -> {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            List<RegionCopy> copies = new ArrayList<>();
            for (String destination : request.destinationRegions()) {
                String imageId = "ami-" + HexFormat.of().formatHex(randomBytes()).substring(0, 17);
                // A fresh random ID: expected version 0 makes an (improbable) collision a conflict, not a merge.
                events.append(imageId, 0, List.of(new ImageCopyDispatched(imageId, caller, destination,
                        request.sourceRegion(), request.sourceImageId(), request.name(), request.description(),
                        Boolean.TRUE.equals(request.copyImageTags()), now)));
                copies.add(new RegionCopy(destination, imageId, "pending"));
            }
            return new RegionCopies(copies);
        });
    }

    /** Everything is checked before anything is written, so a refused request changes nothing. */
    private void validate(CopyImageToRegions request) {
        if (request == null || request.sourceRegion() == null || request.sourceRegion().isEmpty()) {
            throw Ec2Exception.missingParameter("SourceRegion");
        }
        knownRegion("SourceRegion", request.sourceRegion());
        if (request.sourceImageId() == null || request.sourceImageId().isEmpty()) {
            throw Ec2Exception.missingParameter("SourceImageId");
        }
        if (!IMAGE_ID.matcher(request.sourceImageId()).matches()) {
            throw Ec2Exception.badRequest("InvalidAMIID.Malformed", "Invalid id: \"" + printable(request.sourceImageId())
                    + "\"");
        }
        if (request.destinationRegions() == null) {
            throw Ec2Exception.missingParameter("DestinationRegions");
        }
        if (request.destinationRegions().isEmpty() || request.destinationRegions().size() > MAX_DESTINATIONS) {
            throw Ec2Exception.invalidParameter("DestinationRegions must list 1 to " + MAX_DESTINATIONS + " Regions.");
        }
        Set<String> seen = new HashSet<>();
        for (String destination : request.destinationRegions()) {
            // This Region is always a destination: its own copy-events are followed even when it is not listed.
            if (!ownRegion.equals(destination)) {
                knownRegion("DestinationRegions", destination);
            }
            if (!seen.add(destination)) {
                throw Ec2Exception.invalidParameter("DestinationRegions lists " + destination + " more than once.");
            }
        }
        if (request.name() == null) {
            throw Ec2Exception.missingParameter("Name");
        }
        if (!NAME.matcher(request.name()).matches()) {
            throw Ec2Exception.badRequest("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters "
                    + "long, and may contain letters, numbers, '(', ')', '.', '-', '/', '_', ' ', '[', ']', ''' and '@'");
        }
        if (request.description() != null && request.description().length() > 255) {
            throw Ec2Exception.invalidParameter("Description must be at most 255 characters.");
        }
    }

    private void knownRegion(String parameter, String region) {
        if (region == null || !REGION.matcher(region).matches()) {
            throw Ec2Exception.invalidParameter("Invalid region in " + parameter + ": "
                    + (region == null ? "null" : printable(region)));
        }
        if (regions.find(region).isEmpty()) {
            throw Ec2Exception.invalidParameter("Region " + region + " in " + parameter
                    + " is not a Region this service copies between.");
        }
    }

    /** Echoes caller input only as printable ASCII, and not much of it. */
    private static String printable(String value) {
        String shown = value.length() > 64 ? value.substring(0, 64) + "..." : value;
        return shown.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[9];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
