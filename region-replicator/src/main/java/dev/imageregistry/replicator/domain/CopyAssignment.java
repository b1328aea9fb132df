package dev.imageregistry.replicator.domain;

import java.util.List;
import java.util.regex.Pattern;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyAssigned;
import dev.imageregistry.replicator.domain.FanOutEvent.ImageCopyDispatched;

/**
 * The destination's half of a copy to several Regions: a dispatch addressed to this Region becomes exactly one
 * ImageCopyAssigned on the new image's aggregate here, however often the dispatch is delivered (a replay under a
 * new event ID, a rebuilt intake).
 */
public final class CopyAssignment {
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

    private CopyAssignment() {
    }

    /** Whether a dispatch carries everything this Region's registry needs to open the copy. */
    public static boolean isComplete(ImageCopyDispatched dispatched) {
        return dispatched != null && ResourceKind.IMAGE.isIssued(dispatched.imageId())
                && dispatched.ownerId() != null && ACCOUNT.matcher(dispatched.ownerId()).matches()
                && dispatched.sourceRegion() != null && dispatched.sourceImageId() != null
                && dispatched.name() != null && dispatched.requestedAt() != null;
    }

    /**
     * The assignment, given the image's history in this Region: empty when already assigned. The history is empty
     * unless this Region is also the requesting one (then its ImageCopyDispatched is there).
     */
    public static List<ImageCopyAssigned> assign(List<EventEnvelope> history, ImageCopyDispatched dispatched,
            String dispatchedFrom) {
        if (history.stream().anyMatch(e -> "ImageCopyAssigned".equals(e.type()))) {
            return List.of();
        }
        return List.of(ImageCopyAssigned.of(dispatched, dispatchedFrom));
    }
}
