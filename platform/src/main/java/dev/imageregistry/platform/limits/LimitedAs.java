package dev.imageregistry.platform.limits;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.imageregistry.limits.ActionClass;

/**
 * The class of action a resource method is limited as, where its HTTP method does not say it (GET is
 * {@code DESCRIBE}, every other method {@code MUTATE}): launching, and a snapshot's blocks.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface LimitedAs {
    ActionClass value();
}
