package dev.imageregistry.launch.instances;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.imageregistry.launch.instances.InstanceEvent.InstanceTagged;
import dev.imageregistry.launch.instances.InstanceEvent.InstanceUntagged;
import dev.imageregistry.launch.instances.InstanceEvent.Tag;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.outbox.EventStore;

/**
 * CreateTags and DeleteTags on an instance after its launch: the caller's instance row is locked (so the transition
 * worker waits, or skips it), the instance is loaded from its events and decides, and what it answers is appended
 * and written to the instance's tags in the same transaction. A terminated instance can be tagged as long as
 * DescribeInstances still shows it (launch.terminated-visibility), as on EC2; after that it is not found.
 */
@ApplicationScoped
public class InstanceTagging {
    private final EventStore events;
    private final InstanceRecords records;
    private final InstanceLifecycle lifecycle;
    private final Duration terminatedVisibility;

    public InstanceTagging(EventStore events, InstanceRecords records, InstanceLifecycle lifecycle,
            @ConfigProperty(name = "launch.terminated-visibility", defaultValue = "PT1H") Duration terminatedVisibility) {
        this.events = events;
        this.records = records;
        this.lifecycle = lifecycle;
        this.terminatedVisibility = terminatedVisibility;
    }

    @Transactional
    public void createTags(String account, String instanceId, List<Tag> tags) {
        Instance instance = owned(account, instanceId);
        List<InstanceTagged> caused = instance.tag(tags);
        List<EventEnvelope> appended = events.append(instanceId, instance.version(), caused);
        for (int i = 0; i < caused.size(); i++) {
            records.tagged(caused.get(i), appended.get(i).aggregateversion());
        }
    }

    @Transactional
    public void deleteTags(String account, String instanceId, List<Tag> tags) {
        Instance instance = owned(account, instanceId);
        List<InstanceUntagged> caused = instance.untag(tags);
        if (caused.isEmpty()) {
            return;
        }
        List<EventEnvelope> appended = events.append(instanceId, instance.version(), caused);
        for (int i = 0; i < caused.size(); i++) {
            records.untagged(caused.get(i), appended.get(i).aggregateversion());
        }
    }

    private Instance owned(String account, String instanceId) {
        InstanceLifecycle.wellFormed(List.of(instanceId));
        if (!records.lockVisible(account, instanceId, Instant.now().minus(terminatedVisibility))) {
            throw Ec2Exception.notFound("InvalidInstanceID.NotFound",
                    "The instance ID '" + instanceId + "' does not exist");
        }
        return lifecycle.load(instanceId);
    }
}
