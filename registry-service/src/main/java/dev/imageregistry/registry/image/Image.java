package dev.imageregistry.registry.image;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.registry.image.ImageEvent.*;

/**
 * An image's state as its own events left it: what the decider checks commands against. It is folded from the
 * event store on every command, never read from the describe view (which may be mid-rebuild).
 */
public final class Image {
    public static final String PENDING = "pending";
    public static final String AVAILABLE = "available";
    public static final String FAILED = "failed";
    public static final String DISABLED = "disabled";
    public static final String DEREGISTERED = "deregistered";

    private final String imageId;
    private long version;
    private String ownerId;
    private String name;
    private String description;
    private String state;
    private boolean copyImageTags;
    private final Set<String> launchUsers = new LinkedHashSet<>();
    private boolean isPublic;
    private final Map<String, String> tags = new LinkedHashMap<>();
    private Instant deprecationTime;
    private boolean protectionEnabled;
    private boolean protectionWithCooldown;
    private Instant cooldownUntil;
    private final List<String> snapshotIds = new ArrayList<>();

    private Image(String imageId) {
        this.imageId = imageId;
    }

    public static Image fold(String imageId, List<EventEnvelope> history) {
        Image image = new Image(imageId);
        for (EventEnvelope envelope : history) {
            Class<? extends ImageEvent> type = ImageEvent.typeOf(envelope.type());
            if (type != null) {
                image.apply(envelope.dataAs(type));
            }
            image.version = envelope.aggregateversion();
        }
        return image;
    }

    /** Folds one event; used for history and for events just decided, so a command sees its own changes. */
    public Image apply(ImageEvent event) {
        // Java 17: no pattern-matching switch yet, so an instanceof chain over the sealed family.
        if (event instanceof ImageRegistered e) {
            ownerId = e.ownerId();
            name = e.name();
            description = e.description();
            state = AVAILABLE;
            mappings(e.blockDeviceMappings());
            tag(e.tags());
        } else if (event instanceof ImageCopyRequested e) {
            ownerId = e.ownerId();
            name = e.name();
            description = e.description();
            copyImageTags = e.copyImageTags();
            state = PENDING;
        } else if (event instanceof ImageAvailable e) {
            state = AVAILABLE;
            mappings(e.blockDeviceMappings());
            tag(e.tags());
        } else if (event instanceof ImageFailed) {
            state = FAILED;
        } else if (event instanceof ImageDescriptionChanged e) {
            description = e.description();
        } else if (event instanceof ImageShared e) {
            launchUsers.addAll(e.userIds());
            isPublic |= e.groups().contains("all");
        } else if (event instanceof ImageUnshared e) {
            e.userIds().forEach(launchUsers::remove);
            isPublic &= !e.groups().contains("all");
        } else if (event instanceof ImageTagged e) {
            tag(e.tags());
        } else if (event instanceof ImageUntagged e) {
            e.keys().forEach(tags::remove);
        } else if (event instanceof ImageDeprecated e) {
            deprecationTime = e.deprecationTime();
        } else if (event instanceof ImageDeprecationCancelled) {
            deprecationTime = null;
        } else if (event instanceof ImageDisabled) {
            state = DISABLED;
        } else if (event instanceof ImageEnabled) {
            state = AVAILABLE;
        } else if (event instanceof ImageDeregistrationProtectionChanged e) {
            protectionEnabled = e.enabled();
            if (e.enabled()) {
                protectionWithCooldown = Boolean.TRUE.equals(e.withCooldown());
            }
            cooldownUntil = e.cooldownUntil();
        } else if (event instanceof ImageDeregistered) {
            state = DEREGISTERED;
        }
        return this;
    }

    private void mappings(List<BlockDeviceMapping> mappings) {
        if (mappings == null) {
            return;
        }
        snapshotIds.clear();
        for (BlockDeviceMapping mapping : mappings) {
            if (mapping.ebs() != null && mapping.ebs().snapshotId() != null) {
                snapshotIds.add(mapping.ebs().snapshotId());
            }
        }
    }

    private void tag(List<Tag> added) {
        if (added != null) {
            added.forEach(tag -> tags.put(tag.key(), tag.value()));
        }
    }

    /** Whether {@code account} may act on the image as its owner; others must not learn it exists. */
    public boolean ownedBy(String account) {
        return exists() && ownerId.equals(account);
    }

    public boolean exists() {
        return version > 0 && !DEREGISTERED.equals(state);
    }

    /** Deregistration protection in force now: enabled, or disabled less than the cooldown ago. */
    public boolean protectedAt(Instant now) {
        return protectionEnabled || (cooldownUntil != null && now.isBefore(cooldownUntil));
    }

    public String imageId() {
        return imageId;
    }

    public long version() {
        return version;
    }

    public String ownerId() {
        return ownerId;
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public String state() {
        return state;
    }

    public boolean copyImageTags() {
        return copyImageTags;
    }

    public Set<String> launchUsers() {
        return launchUsers;
    }

    public boolean isPublic() {
        return isPublic;
    }

    public Map<String, String> tags() {
        return tags;
    }

    public Instant deprecationTime() {
        return deprecationTime;
    }

    public boolean protectionEnabled() {
        return protectionEnabled;
    }

    public boolean protectionWithCooldown() {
        return protectionWithCooldown;
    }

    public List<String> snapshotIds() {
        return snapshotIds;
    }
}
