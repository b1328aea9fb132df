package dev.imageregistry.replicator.commands;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.ServiceIdentity;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.idempotency.ClientTokens;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.replicator.domain.CopyImageToRegions;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyDispatched;
import dev.imageregistry.replicator.regions.SourceRegions;

/**
 * A copy of one image to several Regions in one request. This replicator only dispatches: it publishes one
 * ImageCopyDispatched per destination under a new image ID, all in one transaction. Each destination's replicator
 * then assigns its copy to its own registry, so each destination succeeds or fails on its own.
 */
@ApplicationScoped
public class CopyToRegions {
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

    public record RegionCopy(String region, String imageId, String state) {
    }

    public record RegionCopies(List<RegionCopy> copies) {
    }

    @Transactional
    public RegionCopies copy(String caller, CopyImageToRegions request) {
        if (request == null) {
            throw Ec2Exception.missingParameter("SourceRegion");
        }
        request.validate(region -> regions.find(region).isPresent(), ownRegion);
        return clientTokens.once(caller, "CopyImageToRegions", request.clientToken(), request, RegionCopies.class, () -> {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            List<RegionCopy> copies = new ArrayList<>();
            for (ImageCopyDispatched dispatched : request.dispatches(caller, ResourceKind.IMAGE::next, now)) {
                // A fresh random ID: expected version 0 makes an (improbable) collision a conflict, not a merge.
                events.append(dispatched.imageId(), 0, List.of(dispatched));
                copies.add(new RegionCopy(dispatched.destinationRegion(), dispatched.imageId(), "pending"));
            }
            return new RegionCopies(copies);
        });
    }
}
