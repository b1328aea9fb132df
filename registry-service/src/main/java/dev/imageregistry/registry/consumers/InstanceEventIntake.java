package dev.imageregistry.registry.consumers;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.imageregistry.platform.projection.EventIntake;
import dev.imageregistry.registry.persistence.ImageInstances;
import io.smallrye.common.annotation.Blocking;

/** instance-events, the launch-service's: which instances run from which image (LastLaunchedTime, in-use warning). */
@ApplicationScoped
public class InstanceEventIntake {
    private final EventIntake intake;
    private final ImageInstances instances;

    public InstanceEventIntake(EventIntake intake, ImageInstances instances) {
        this.intake = intake;
        this.instances = instances;
    }

    @Incoming("instance-events")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, String> record) {
        intake.apply(instances.name(), record, instances::project);
    }
}
