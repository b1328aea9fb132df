package dev.imageregistry.registry.domain;

/**
 * An image's name is unique among its owner's images that are not deregistered. That spans images, so no single
 * image's events can decide it: the decider claims the name at the point its rules reach it, and the claim is
 * kept or rolled back together with the events decided.
 */
@FunctionalInterface
public interface NameClaims {

    /** Claims the owner's {@code name} for the image; false when another image of the owner holds it. */
    boolean claim(String ownerId, String name, String imageId);
}
