package dev.imageregistry.registry.persistence;

import jakarta.enterprise.context.ApplicationScoped;

import dev.imageregistry.platform.persistence.Jdbc;
import dev.imageregistry.registry.domain.NameClaims;

/**
 * The owners' image names ({@code image_name_claim}): a row per name in use, inserted in the transaction that
 * decides the image and deleted by its deregistration. It is the decider's, not a read model: never wiped by a
 * rebuild.
 */
@ApplicationScoped
public class ImageNameClaims implements NameClaims {
    private final Jdbc jdbc;

    public ImageNameClaims(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public boolean claim(String ownerId, String name, String imageId) {
        return jdbc.update("insert into image_name_claim (owner_id, name, image_id) values (?, ?, ?) "
                + "on conflict do nothing", ownerId, name, imageId) == 1;
    }

    /** Releases the name only if this image holds it: a failed copy that never got its name must not free another's. */
    public void release(String ownerId, String name, String imageId) {
        jdbc.update("delete from image_name_claim where owner_id = ? and name = ? and image_id = ?", ownerId, name,
                imageId);
    }
}
