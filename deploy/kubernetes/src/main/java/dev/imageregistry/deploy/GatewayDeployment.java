package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;

import java.util.ArrayList;
import java.util.List;

/**
 * 50-aws-gateway.yaml: the Region's AWS endpoint (see {@link AwsGateway}), run as the services are, plus the Ingress
 * every caller reaches it through. It reads its access keys and its token-signing key from mounted Secrets, which
 * Kubernetes updates in place.
 */
final class GatewayDeployment {

    /** Secret volumes the gateway reads: group-readable (its fsGroup) and no more, mounted whole (never subPath). */
    private static final int SECRET_FILE_MODE = 0440;

    private final Regions all;
    private final Region region;

    GatewayDeployment(Regions all, Region region) {
        this.all = all;
        this.region = region;
    }

    List<Object> objects() {
        String name = AwsGateway.NAME;
        List<Object> objects = new ArrayList<>();
        objects.add(Workloads.serviceAccount(region, name));
        Container container = Workloads.httpContainer(name, all.images().of(name), AwsGateway.PORT,
                        // No migrations, no catch-up: it starts in seconds.
                        24, AwsGateway.SIZING)
                .addNewEnvFrom().withNewConfigMapRef().withName(name + "-config").endConfigMapRef().endEnvFrom()
                // Whole Secrets, not subPath: Kubernetes updates them in place, and the gateway re-reads the keys file.
                .addNewVolumeMount().withName("access-keys").withMountPath(AwsGateway.ACCESS_KEYS_DIRECTORY).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("token-signing").withMountPath(AwsGateway.SIGNING_KEY_DIRECTORY).withReadOnly(true).endVolumeMount()
                .build();
        List<Volume> volumes = List.of(
                secretVolume("access-keys", all.gateway().accessKeysSecret(), Regions.Gateway.ACCESS_KEYS_FILE),
                secretVolume("token-signing", all.identity().gatewaySigningKeySecret(), all.identity().gatewaySigningKeyFile()));
        String configHash = new RegionConfiguration(all, region).hashForGateway();
        objects.add(Workloads.deployment(region, name, configHash, Workloads.podSecurity(Workloads.APP_UID, true),
                container, volumes));
        objects.add(Workloads.httpService(region, name, AwsGateway.PORT));
        objects.add(Workloads.disruptionBudget(region, name));
        objects.add(Workloads.cpuAutoscaler(region, name, AwsGateway.SIZING));
        objects.add(new NetworkPolicies(all, region).gateway());
        objects.add(ingress());
        return objects;
    }

    private static Volume secretVolume(String volume, String secret, String file) {
        return new VolumeBuilder().withName(volume).withNewSecret().withSecretName(secret)
                .withDefaultMode(SECRET_FILE_MODE)
                .addNewItem().withKey(file).withPath(file).endItem()
                .endSecret().build();
    }

    /**
     * The Region's public AWS endpoint: TLS for its host (certificate in Secret {@code gateway.tlsSecret}, from the
     * platform team or cert-manager), terminated at the controller, which passes the Host header (part of every SigV4
     * signature) on unchanged. Only the path {@code /}: EC2's and STS's query APIs are POSTs (or GETs) to it, and the
     * gateway's {@code /q/} health and metrics paths stay inside the cluster.
     */
    private Ingress ingress() {
        String host = all.gatewayHost(region);
        return new IngressBuilder()
                .withMetadata(Metadata.of(region, AwsGateway.NAME, AwsGateway.NAME))
                .withNewSpec()
                .withIngressClassName(all.ingress().className())
                .addNewTl().withHosts(host).withSecretName(all.gateway().tlsSecret()).endTl()
                .addNewRule().withHost(host).withNewHttp()
                .addNewPath().withPath("/").withPathType("Exact").withNewBackend().withNewService().withName(AwsGateway.NAME)
                .withNewPort().withName("http").endPort().endService().endBackend().endPath()
                .endHttp().endRule()
                .endSpec().build();
    }
}
