package dev.imageregistry.registry.catalogue;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.platform.projection.EventIntake;

/**
 * Commands project into the describe view in their own transaction (read-your-writes), so they must not
 * interleave with a rebuild of it: each command holds the view's lock shared until its transaction ends (the
 * platform's rebuild takes it exclusive).
 */
@ApplicationScoped
public class ReadModelLock {
    private final EventIntake intake;

    public ReadModelLock(EventIntake intake) {
        this.intake = intake;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void enter() {
        intake.enterShared(ImageCatalogue.READ_MODEL);
    }
}
