package dev.imageregistry.platform.events;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The name an event has on the wire, and the version of its schema. Spelled out rather than taken from the
 * Java class name, so that renaming or moving a class never changes the contract (docs/events/).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EventType {
    String value();

    int schemaVersion() default 1;
}
