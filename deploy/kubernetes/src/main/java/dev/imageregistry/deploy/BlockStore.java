package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

import java.util.ArrayList;
import java.util.List;

import static dev.imageregistry.deploy.Metadata.labels;
import static dev.imageregistry.deploy.Metadata.selector;
import static dev.imageregistry.deploy.Workloads.containerSecurity;
import static dev.imageregistry.deploy.Workloads.probe;
import static dev.imageregistry.deploy.Workloads.resources;
import static dev.imageregistry.deploy.Workloads.secretEnv;

/**
 * 40-blocks.yaml: where the Region keeps the blocks of its snapshots, an S3 API served by MinIO in distributed mode
 * (erasure-coded over its servers), and, when the Region has peers in other clusters, the Ingress they read it at.
 */
final class BlockStore {

    /** The S3 Service the services and the peers' replicators use, and the MinIO workload behind it. */
    static final String NAME = "blocks-s3";
    /** The services' key pair on MinIO. */
    static final String CREDENTIALS_SECRET = "blocks-s3-credentials";
    static final String ROOT_SECRET = "blocks-s3-root";
    static final int S3_PORT = 9000;
    /** The Ingress exposing this Region's blocks to peers in other clusters, and its certificate's Secret. */
    static final String EXTERNAL = NAME + "-external";
    static final String EXTERNAL_TLS = NAME + "-external-tls";
    /** ingress-nginx's annotation: only these client networks get an answer (others get 403 from the controller). */
    static final String SOURCE_RANGE_ANNOTATION = "nginx.ingress.kubernetes.io/whitelist-source-range";
    static final long MINIO_UID = 1000;

    private final Regions all;
    private final Region region;

    BlockStore(Regions all, Region region) {
        this.all = all;
        this.region = region;
    }

    List<Object> objects() {
        List<Object> objects = new ArrayList<>();
        int servers = all.blocks().servers();
        String hosts = "http://" + NAME + "-{0..." + (servers - 1) + "}." + NAME + "-hl." + region.namespace()
                + ".svc.cluster.local/data";
        objects.add(Workloads.serviceAccount(region, NAME));
        objects.add(new ServiceBuilder().withMetadata(Metadata.of(region, NAME, NAME)).withNewSpec()
                .withSelector(selector(NAME))
                .addNewPort().withName("s3").withPort(S3_PORT).withTargetPort(new IntOrString("s3")).endPort()
                .endSpec().build());
        // Headless, with the addresses of servers not yet ready: each server finds the others by name to start.
        objects.add(new ServiceBuilder().withMetadata(Metadata.of(region, NAME + "-hl", NAME)).withNewSpec()
                .withClusterIP("None").withPublishNotReadyAddresses(true)
                .withSelector(selector(NAME))
                .addNewPort().withName("s3").withPort(S3_PORT).withTargetPort(new IntOrString("s3")).endPort()
                .endSpec().build());
        Container minio = new ContainerBuilder()
                .withName("minio").withImage(all.images().minio())
                .withArgs("server", hosts, "--certs-dir", "/tmp/certs", "--console-address", ":9001")
                .withEnv(secretEnv("MINIO_ROOT_USER", ROOT_SECRET, "username"),
                        secretEnv("MINIO_ROOT_PASSWORD", ROOT_SECRET, "password"),
                        new EnvVarBuilder().withName("MINIO_PROMETHEUS_AUTH_TYPE").withValue("public").build())
                .addNewPort().withName("s3").withContainerPort(S3_PORT).endPort()
                .withStartupProbe(probe("/minio/health/live", "s3", 30))
                .withLivenessProbe(probe("/minio/health/live", "s3", 3))
                .withReadinessProbe(probe("/minio/health/ready", "s3", 3))
                .withResources(resources("1", "2", "4Gi"))
                .withSecurityContext(containerSecurity(MINIO_UID))
                .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .build();
        objects.add(new StatefulSetBuilder().withMetadata(Metadata.of(region, NAME, NAME)).withNewSpec()
                .withServiceName(NAME + "-hl")
                .withReplicas(servers)
                // Distributed MinIO waits for all its servers: they must start together.
                .withPodManagementPolicy("Parallel")
                .withNewSelector().withMatchLabels(selector(NAME)).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(NAME)).endMetadata()
                .withNewSpec()
                .withServiceAccountName(NAME).withAutomountServiceAccountToken(false)
                .withSecurityContext(Workloads.podSecurity(MINIO_UID, true))
                .withTopologySpreadConstraints(Workloads.spread(NAME))
                .withContainers(minio)
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                .addNewVolumeClaimTemplate().withNewMetadata().withName("data").endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources().addToRequests("storage", new Quantity(all.blocks().storagePerServer())).endResources()
                .endSpec().endVolumeClaimTemplate()
                .endSpec().build());
        // Erasure coding keeps writing with one server down, not two.
        objects.add(new PodDisruptionBudgetBuilder().withMetadata(Metadata.of(region, NAME, NAME)).withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(selector(NAME)).endSelector()
                .endSpec().build());
        objects.add(new NetworkPolicies(all, region).blocks());
        if (!all.remotePeersOf(region).isEmpty()) {
            objects.add(ingress());
        }
        return objects;
    }

    /**
     * This Region's blocks for its peers in other clusters: an Ingress at the host of {@code external.s3Endpoint},
     * TLS with the certificate in Secret {@value #EXTERNAL_TLS} (from the platform team or cert-manager; the
     * peers trust its CA), terminated at the controller, which forwards plain HTTP to the in-cluster {@code blocks-s3}
     * Service as every other client uses it. An Ingress rather than a LoadBalancer Service: MinIO serves plain HTTP
     * in the cluster, so a LoadBalancer would either expose it without TLS or need MinIO itself to serve TLS (and
     * its certificate to carry the external name) for in-cluster traffic too; the controller does TLS and source
     * ranges, and one load balancer serves the registry's Ingress as well. The S3 signature covers the Host header,
     * which the controller passes on unchanged. Only the peers' networks get an answer (ingress-nginx's source-range
     * annotation; the controller must see client addresses: externalTrafficPolicy Local on its Service, or the
     * PROXY protocol).
     */
    private Ingress ingress() {
        List<String> cidrs = all.remotePeersOf(region).stream().map(peer -> peer.external().cidr()).distinct().toList();
        String host = region.external().s3Host();
        return new IngressBuilder()
                .withMetadata(new ObjectMetaBuilder(Metadata.of(region, EXTERNAL, NAME))
                        .addToAnnotations(SOURCE_RANGE_ANNOTATION, String.join(",", cidrs))
                        // Blocks are streamed to the peer as they come, not spooled to the controller's disk first.
                        .addToAnnotations("nginx.ingress.kubernetes.io/proxy-buffering", "off")
                        .build())
                .withNewSpec()
                .withIngressClassName(all.ingress().className())
                .addNewTl().withHosts(host).withSecretName(EXTERNAL_TLS).endTl()
                .addNewRule().withHost(host).withNewHttp()
                .addNewPath().withPath("/").withPathType("Prefix").withNewBackend().withNewService().withName(NAME)
                .withNewPort().withName("s3").endPort().endService().endBackend().endPath()
                .endHttp().endRule()
                .endSpec().build();
    }
}
