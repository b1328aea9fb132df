package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.strimzi.api.kafka.model.common.template.ExternalTrafficPolicy;
import io.strimzi.api.kafka.model.kafka.JbodStorageBuilder;
import io.strimzi.api.kafka.model.kafka.KRaftMetadataStorage;
import io.strimzi.api.kafka.model.kafka.KafkaAuthorizationSimple;
import io.strimzi.api.kafka.model.kafka.KafkaAuthorizationSimpleBuilder;
import io.strimzi.api.kafka.model.kafka.KafkaBuilder;
import io.strimzi.api.kafka.model.kafka.PersistentClaimStorageBuilder;
import io.strimzi.api.kafka.model.kafka.entityoperator.EntityUserOperatorSpec;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListenerBuilder;
import io.strimzi.api.kafka.model.kafka.listener.KafkaListenerType;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePoolBuilder;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopicBuilder;
import io.strimzi.api.kafka.model.user.KafkaUserBuilder;
import io.strimzi.api.kafka.model.user.acl.AclOperation;
import io.strimzi.api.kafka.model.user.acl.AclResourcePatternType;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * 20-kafka.yaml: the Region's Kafka, run by Strimzi in KRaft mode (a pool of controllers, a pool of brokers), and the
 * topics the services' events go to. With peers in other clusters it gets an external listener and a read-only
 * KafkaUser per peer replicator.
 */
final class KafkaCluster {

    static final String NAME = "events";
    /** Strimzi's v1 API: served from 0.49 on, the only one from 1.0 on. */
    static final String STRIMZI_API = "kafka.strimzi.io/v1";
    /** The listener of this cluster's clients: no TLS, no authentication, admitted by its network policy only. */
    static final int PLAIN_PORT = 9092;
    /** The listener Regions in other clusters read through: TLS, SCRAM-SHA-512, ACLs per peer replicator. */
    static final String EXTERNAL_LISTENER = "external";
    /** What a peer's replicator reads on this Region's Kafka (its source feed and its dispatch feed); it writes nothing. */
    static final List<String> PEER_READS = List.of("image-events", "snapshot-events", "copy-events");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Regions all;
    private final Region region;

    KafkaCluster(Regions all, Region region) {
        this.all = all;
        this.region = region;
    }

    /** The KafkaUser, in a Region's namespace, that {@code reader}'s replicator (in another cluster) reads it as. */
    static String replicatorUser(Region reader) {
        return "region-replicator-" + reader.name();
    }

    List<Object> objects() {
        List<Object> objects = new ArrayList<>();
        List<Region> remotePeers = all.remotePeersOf(region);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("default.replication.factor", 3);
        config.put("min.insync.replicas", 2);
        config.put("offsets.topic.replication.factor", 3);
        config.put("transaction.state.log.replication.factor", 3);
        config.put("transaction.state.log.min.isr", 2);
        // Topics are declared below; a typo in a topic name must fail, not create a topic that keeps 7 days.
        config.put("auto.create.topics.enable", false);
        config.put("log.retention.ms", -1);
        List<GenericKafkaListener> listeners = new ArrayList<>();
        listeners.add(new GenericKafkaListenerBuilder()
                .withName("plain").withPort(PLAIN_PORT).withType(KafkaListenerType.INTERNAL).withTls(false)
                .withNetworkPolicyPeers(new NetworkPolicies(all, region).kafkaClients())
                .build());
        KafkaAuthorizationSimple authorization = null;
        if (!remotePeers.isEmpty()) {
            listeners.add(externalListener(remotePeers));
            // ACLs bind the peers' replicators (KafkaUsers below) to reading. The plain listener has no
            // authentication, so its clients (this Region's services and same-cluster peers, admitted by its
            // network policy only) are ANONYMOUS: a super user, as they were without an authorizer.
            authorization = new KafkaAuthorizationSimpleBuilder().withSuperUsers("ANONYMOUS").build();
        }
        objects.add(strimziV1(new KafkaBuilder()
                .withMetadata(Metadata.of(region, NAME, "kafka"))
                .withNewSpec()
                .withNewKafka()
                .withListeners(listeners)
                .withAuthorization(authorization)
                .withConfig(config)
                .endKafka()
                // The user operator turns the peers' KafkaUsers into SCRAM credentials, ACLs and Secrets.
                .withNewEntityOperator().withNewTopicOperator().endTopicOperator()
                .withUserOperator(remotePeers.isEmpty() ? null : new EntityUserOperatorSpec()).endEntityOperator()
                .endSpec()
                .build()));
        objects.add(nodePool("controllers", ProcessRoles.CONTROLLER, all.kafka().controllerStorage(), "500m", "2Gi"));
        objects.add(nodePool("brokers", ProcessRoles.BROKER, all.kafka().brokerStorage(), "1", "8Gi"));
        for (Region reader : remotePeers) {
            objects.add(replicatorKafkaUser(reader));
        }
        for (String topic : ImageRegistryService.TOPICS) {
            objects.add(strimziV1(new KafkaTopicBuilder()
                    .withMetadata(ofThisCluster(topic))
                    .withNewSpec()
                    .withPartitions(all.kafka().partitions())
                    .withReplicas(3)
                    // Events are the source of truth every read model is rebuilt from: keep them forever.
                    .addToConfig("retention.ms", -1)
                    .addToConfig("retention.bytes", -1)
                    .addToConfig("cleanup.policy", "delete")
                    .addToConfig("min.insync.replicas", 2)
                    .endSpec()
                    .build()));
        }
        return objects;
    }

    /**
     * The listener for Regions in other clusters: a LoadBalancer (one for bootstrap, one per broker), because it
     * works on every cloud and on MetalLB without anything else installed; an Ingress would need a controller with
     * TLS passthrough switched on, and a Route exists only on OpenShift. TLS with the cluster CA, SCRAM-SHA-512.
     * Only the peers' networks get in: the load balancers' source ranges, and the network policy (which sees the
     * clients' addresses because the traffic policy is Local).
     */
    private GenericKafkaListener externalListener(List<Region> remotePeers) {
        Regions.External external = region.external();
        if (external.kafkaPort() == PLAIN_PORT || external.kafkaPort() < 9092) {
            throw new IllegalArgumentException(region.name() + ": external.kafkaBootstrap needs a port above " + PLAIN_PORT
                    + " (the plain listener's), e.g. 9094");
        }
        List<String> cidrs = remotePeers.stream().map(peer -> peer.external().cidr()).distinct().toList();
        return new GenericKafkaListenerBuilder()
                .withName(EXTERNAL_LISTENER).withPort(external.kafkaPort()).withType(KafkaListenerType.LOADBALANCER)
                .withTls(true)
                .withNewKafkaListenerAuthenticationScramSha512Auth().endKafkaListenerAuthenticationScramSha512Auth()
                .withNewConfiguration()
                // The name peers connect to must be in the brokers' certificate, or TLS hostname checks fail.
                .withNewBootstrap().withAlternativeNames(external.kafkaHost()).endBootstrap()
                .withExternalTrafficPolicy(ExternalTrafficPolicy.LOCAL)
                .withLoadBalancerSourceRanges(cidrs)
                .endConfiguration()
                .withNetworkPolicyPeers(cidrs.stream().map(NetworkPolicies::network).toList())
                .build();
    }

    /** The user a peer's replicator (in another cluster) reads this Region as: read-only, on what its feeds follow. */
    private Object replicatorKafkaUser(Region reader) {
        List<AclRule> acls = new ArrayList<>();
        for (String topic : PEER_READS) {
            acls.add(new AclRuleBuilder().withNewAclRuleTopicResource().withName(topic)
                    .withPatternType(AclResourcePatternType.LITERAL).endAclRuleTopicResource()
                    .withOperations(AclOperation.READ, AclOperation.DESCRIBE).build());
        }
        // The consumer groups of its source feed and of its dispatch feed (region-replicator's SourceFeed, DispatchFeed).
        for (String group : List.of("region-replicator." + reader.name(), "region-replicator." + reader.name() + ".dispatches")) {
            acls.add(new AclRuleBuilder().withNewAclRuleGroupResource().withName(group)
                    .withPatternType(AclResourcePatternType.LITERAL).endAclRuleGroupResource()
                    .withOperations(AclOperation.READ).build());
        }
        return strimziV1(new KafkaUserBuilder()
                .withMetadata(ofThisCluster(replicatorUser(reader)))
                .withNewSpec()
                .withNewKafkaUserScramSha512ClientAuthentication().endKafkaUserScramSha512ClientAuthentication()
                .withNewKafkaUserAuthorizationSimple().withAcls(acls).endKafkaUserAuthorizationSimple()
                .endSpec()
                .build());
    }

    private Object nodePool(String name, ProcessRoles role, String storage, String cpu, String memory) {
        return strimziV1(new KafkaNodePoolBuilder()
                .withMetadata(ofThisCluster(name))
                .withNewSpec()
                .withReplicas(3)
                .withRoles(role)
                .withStorage(new JbodStorageBuilder().withVolumes(new PersistentClaimStorageBuilder()
                        .withId(0).withSize(storage).withDeleteClaim(false)
                        .withKraftMetadata(KRaftMetadataStorage.SHARED).build()).build())
                .withResources(Workloads.resources(cpu, cpu, memory))
                .endSpec()
                .build());
    }

    /** Strimzi's operators act on a node pool, topic or user only when it names the cluster it belongs to. */
    private ObjectMeta ofThisCluster(String name) {
        return new ObjectMetaBuilder(Metadata.of(region, name, "kafka")).addToLabels("strimzi.io/cluster", NAME).build();
    }

    /**
     * The api classes (0.51, the newest built for Java 17) serialize as v1beta2; the fields used here are the same
     * in v1, which Strimzi 1.x requires, so the objects are written as v1.
     */
    private static Object strimziV1(Object resource) {
        ObjectNode tree = JSON.valueToTree(resource);
        tree.put("apiVersion", STRIMZI_API);
        return tree;
    }
}
