package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.imageregistry.deploy.Metadata.selector;

/**
 * Who may talk to whom in a Region, in one place: the NetworkPolicy of each service, of the aws-gateway and of
 * MinIO, and the clients of Kafka's plain listener (Strimzi writes that listener's policy from them). What is not
 * allowed here is refused, so a new caller or a new dependency of a workload starts here.
 */
final class NetworkPolicies {

    private static final List<String> INGRESS_AND_EGRESS = List.of("Ingress", "Egress");
    private static final int COLLECTOR_PORT = 4317;

    private final Regions all;
    private final Region region;

    NetworkPolicies(Regions all, Region region) {
        this.all = all;
        this.region = region;
    }

    /**
     * In: its HTTP port only. Out: DNS, Kafka, PostgreSQL, the tracing collector, MinIO for the services that store
     * blocks, and for the replicator each peer's Kafka, blocks and registry.
     */
    NetworkPolicy service(ImageRegistryService service) {
        List<NetworkPolicyIngressRule> ingress = new ArrayList<>();
        if (service.publicApi()) {
            // The API is for every caller that holds a token (ingress controller, other clusters' tools).
            ingress.add(new NetworkPolicyIngressRuleBuilder().withPorts(tcp(service.port())).build());
        } else {
            // Prometheus, and the Region's aws-gateway (its REPLICATOR_URL).
            ingress.add(new NetworkPolicyIngressRuleBuilder()
                    .withFrom(namespacePeer(all.monitoring().prometheusNamespace()), podPeer(AwsGateway.NAME))
                    .withPorts(tcp(service.port())).build());
        }
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        egress.add(dns());
        egress.add(to(brokers(null), tcp(KafkaCluster.PLAIN_PORT)));
        egress.add(to(new NetworkPolicyPeerBuilder().withNewPodSelector()
                .addToMatchLabels("cnpg.io/cluster", DatabaseCluster.NAME).endPodSelector().build(), tcp(DatabaseCluster.PORT)));
        egress.add(collector());
        if (service.storesBlocks()) {
            egress.add(to(podPeer(BlockStore.NAME), tcp(BlockStore.S3_PORT)));
        }
        if (service.name().equals("region-replicator")) {
            for (Region peer : all.peersOf(region)) {
                if (region.remoteFrom(peer)) {
                    // Its external Kafka listener (TLS), its S3 endpoint and its registry, on their ports only.
                    egress.add(to(network(peer.external().cidr()), tcp(peer.external().kafkaPort()),
                            tcp(urlPort(peer.external().s3Endpoint())), tcp(urlPort(peer.external().registryUrl()))));
                } else {
                    egress.add(to(brokers(peer.namespace()), tcp(KafkaCluster.PLAIN_PORT)));
                    egress.add(to(podIn(peer, BlockStore.NAME), tcp(BlockStore.S3_PORT)));
                    egress.add(to(podIn(peer, "registry-service"), tcp(8081)));
                }
            }
        }
        return policy(service.name(), INGRESS_AND_EGRESS, ingress, egress);
    }

    /**
     * In: the ingress controller (every caller from outside, and the gateways of Regions in other clusters), the
     * gateways of Regions in this cluster (requests signed for this Region), Prometheus. Out: DNS, this Region's four
     * services on their HTTP ports, the other Regions' gateways (in this cluster their pods, elsewhere the network of
     * their Ingress), the tracing collector. No database, Kafka or S3.
     */
    NetworkPolicy gateway() {
        List<NetworkPolicyPeer> callers = new ArrayList<>();
        callers.add(namespacePeer(all.ingress().controllerNamespace()));
        for (Region peer : all.peersOf(region)) {
            if (!region.remoteFrom(peer)) {
                callers.add(podIn(peer, AwsGateway.NAME));
            }
        }
        callers.add(namespacePeer(all.monitoring().prometheusNamespace()));
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        egress.add(dns());
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            egress.add(to(podPeer(service.name()), tcp(service.port())));
        }
        // Regions in other clusters: at their Ingress, in their network, on the port of their URL (once per network
        // and port: peers may share a network).
        Set<Map.Entry<String, Integer>> remoteGateways = new LinkedHashSet<>();
        for (Region peer : all.peersOf(region)) {
            if (region.remoteFrom(peer)) {
                remoteGateways.add(Map.entry(peer.external().cidr(), urlPort(all.gatewayUrl(peer))));
            } else {
                egress.add(to(podIn(peer, AwsGateway.NAME), tcp(AwsGateway.PORT)));
            }
        }
        for (Map.Entry<String, Integer> remote : remoteGateways) {
            egress.add(to(network(remote.getKey()), tcp(remote.getValue())));
        }
        egress.add(collector());
        return policy(AwsGateway.NAME, INGRESS_AND_EGRESS, List.of(from(callers, AwsGateway.PORT)), egress);
    }

    /** Who may use MinIO's S3 port: the services that store blocks, MinIO's own servers, peers' replicators, Prometheus. */
    NetworkPolicy blocks() {
        List<NetworkPolicyPeer> clients = new ArrayList<>();
        for (ImageRegistryService service : ImageRegistryService.ALL) {
            if (service.storesBlocks()) {
                clients.add(podPeer(service.name()));
            }
        }
        clients.add(podPeer(BlockStore.NAME));
        // Same-cluster peers' replicators directly; peers in other clusters only through the blocks' Ingress, whose
        // controller pods are then the clients (the peers' networks are checked by the controller).
        clients.addAll(replicatorsInThisCluster());
        if (!all.remotePeersOf(region).isEmpty()) {
            clients.add(namespacePeer(all.ingress().controllerNamespace()));
        }
        clients.add(namespacePeer(all.monitoring().prometheusNamespace()));
        return policy(BlockStore.NAME, List.of("Ingress"), List.of(from(clients, BlockStore.S3_PORT)), List.of());
    }

    /**
     * Who may open Kafka's plain listener: this Region's services, and the replicators of the Regions in this cluster
     * copying from it (those in other clusters use the external listener).
     */
    List<NetworkPolicyPeer> kafkaClients() {
        List<NetworkPolicyPeer> peers = new ArrayList<>();
        peers.add(new NetworkPolicyPeerBuilder().withNewPodSelector()
                .addToMatchLabels("app.kubernetes.io/part-of", Metadata.PART_OF).endPodSelector().build());
        peers.addAll(replicatorsInThisCluster());
        return peers;
    }

    /** Traffic from or to a network outside the cluster: a peer Region's in another cluster. */
    static NetworkPolicyPeer network(String cidr) {
        return new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(cidr).endIpBlock().build();
    }

    private List<NetworkPolicyPeer> replicatorsInThisCluster() {
        return all.peersOf(region).stream().filter(peer -> !region.remoteFrom(peer))
                .map(peer -> podIn(peer, "region-replicator")).toList();
    }

    private NetworkPolicy policy(String name, List<String> types, List<NetworkPolicyIngressRule> ingress,
                                 List<NetworkPolicyEgressRule> egress) {
        return new NetworkPolicyBuilder().withMetadata(Metadata.of(region, name, name)).withNewSpec()
                .withNewPodSelector().withMatchLabels(selector(name)).endPodSelector()
                .withPolicyTypes(types)
                .withIngress(ingress)
                .withEgress(egress)
                .endSpec().build();
    }

    private NetworkPolicyEgressRule collector() {
        return to(namespacePeer(all.tracing().collectorNamespace()), tcp(COLLECTOR_PORT));
    }

    /** Names are resolved by the cluster's DNS, in whichever namespace it runs. */
    private static NetworkPolicyEgressRule dns() {
        return new NetworkPolicyEgressRuleBuilder()
                .withTo(new NetworkPolicyPeerBuilder().withNamespaceSelector(new LabelSelector()).withNewPodSelector()
                        .addToMatchLabels("k8s-app", "kube-dns").endPodSelector().build())
                .withPorts(port("UDP", 53), port("TCP", 53)).build();
    }

    private static NetworkPolicyIngressRule from(List<NetworkPolicyPeer> peers, int port) {
        return new NetworkPolicyIngressRuleBuilder().withFrom(peers).withPorts(tcp(port)).build();
    }

    private static NetworkPolicyEgressRule to(NetworkPolicyPeer peer, NetworkPolicyPort... ports) {
        return new NetworkPolicyEgressRuleBuilder().withTo(peer).withPorts(ports).build();
    }

    /** Kafka's brokers: in this namespace ({@code namespace} null), or in a peer's. */
    private static NetworkPolicyPeer brokers(String namespace) {
        return new NetworkPolicyPeerBuilder().withNamespaceSelector(namespace == null ? null : namespaceSelector(namespace))
                .withNewPodSelector()
                .addToMatchLabels("strimzi.io/cluster", KafkaCluster.NAME).addToMatchLabels("strimzi.io/broker-role", "true")
                .endPodSelector().build();
    }

    /** The pods of workload {@code name} in this namespace. */
    private static NetworkPolicyPeer podPeer(String name) {
        return new NetworkPolicyPeerBuilder().withNewPodSelector().withMatchLabels(selector(name)).endPodSelector().build();
    }

    /** The pods of workload {@code name} in {@code peer}'s namespace (a Region in this cluster). */
    private static NetworkPolicyPeer podIn(Region peer, String name) {
        return new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaceSelector(peer.namespace()))
                .withNewPodSelector().withMatchLabels(selector(name)).endPodSelector().build();
    }

    private static NetworkPolicyPeer namespacePeer(String namespace) {
        return new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaceSelector(namespace)).build();
    }

    private static LabelSelector namespaceSelector(String namespace) {
        return new LabelSelectorBuilder().addToMatchLabels("kubernetes.io/metadata.name", namespace).build();
    }

    private static NetworkPolicyPort tcp(int port) {
        return port("TCP", port);
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }

    private static int urlPort(String url) {
        URI uri = URI.create(url);
        return uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }
}
