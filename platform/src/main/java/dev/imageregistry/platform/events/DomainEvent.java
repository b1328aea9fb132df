package dev.imageregistry.platform.events;

/**
 * Something that happened to one aggregate (an image, a snapshot, an instance). Each service declares its
 * events as a sealed family of records annotated with {@link EventType}.
 */
public interface DomainEvent {

    /** The ID of the aggregate the event belongs to: the Kafka key and the CloudEvents subject. */
    String aggregateId();

    default String eventType() {
        return annotation().value();
    }

    default int schemaVersion() {
        return annotation().schemaVersion();
    }

    private EventType annotation() {
        EventType type = getClass().getAnnotation(EventType.class);
        if (type == null) {
            throw new IllegalStateException(getClass() + " lacks @EventType");
        }
        return type;
    }
}
