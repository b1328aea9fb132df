package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

import java.util.ArrayList;
import java.util.List;

import static dev.imageregistry.deploy.Workloads.secretEnv;

/**
 * 50-&lt;service&gt;.yaml: one of the Region's four services (see {@link ImageRegistryService}), scaled on CPU; its
 * settings come from the ConfigMaps of {@link RegionConfiguration}, its database and S3 keys from Secrets. The
 * replicator also gets, for each peer in another cluster, the Secrets it reads that peer with ({@link RemotePeers}).
 */
final class ServiceDeployment {

    private final Regions all;
    private final Region region;
    private final ImageRegistryService service;

    ServiceDeployment(Regions all, Region region, ImageRegistryService service) {
        this.all = all;
        this.region = region;
        this.service = service;
    }

    List<Object> objects() {
        String name = service.name();
        List<Object> objects = new ArrayList<>();
        objects.add(Workloads.serviceAccount(region, name));

        List<EnvVar> env = new ArrayList<>();
        env.add(secretEnv("DB_USER", service.databaseSecret(), "username"));
        env.add(secretEnv("DB_PASSWORD", service.databaseSecret(), "password"));
        if (service.storesBlocks()) {
            env.add(secretEnv("S3_ACCESS_KEY", BlockStore.CREDENTIALS_SECRET, "access-key"));
            env.add(secretEnv("S3_SECRET_KEY", BlockStore.CREDENTIALS_SECRET, "secret-key"));
        }
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(new VolumeMountBuilder().withName("identity").withMountPath("/etc/image-registry/identity").withReadOnly(true).build());
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("identity").withNewConfigMap().withName(all.identity().publicKeyConfigMap())
                .endConfigMap().build());
        if (name.equals("region-replicator")) {
            for (Region peer : all.remotePeersOf(region)) {
                // The SCRAM password, as the JAAS line Strimzi writes next to it, never in a ConfigMap.
                env.add(secretEnv(RemotePeers.kafkaEnv(peer, "SASL_JAAS_CONFIG"), RemotePeers.kafkaCredentialsSecret(peer),
                        "sasl.jaas.config"));
                mountCa(mounts, volumes, "peer-ca-" + peer.name(), RemotePeers.KAFKA_CA_DIRECTORY + peer.name(),
                        RemotePeers.kafkaCaSecret(peer));
                // Its blocks: a key pair of its own (never the shared one), and its CA. A mounted Secret is updated in
                // place when the copy is renewed, and the replicator reads the CA file again at each copy attempt.
                env.add(secretEnv(RemotePeers.s3Env(peer, "ACCESS_KEY"), RemotePeers.s3CredentialsSecret(peer), "access-key"));
                env.add(secretEnv(RemotePeers.s3Env(peer, "SECRET_KEY"), RemotePeers.s3CredentialsSecret(peer), "secret-key"));
                mountCa(mounts, volumes, "peer-s3-ca-" + peer.name(), RemotePeers.S3_CA_DIRECTORY + peer.name(),
                        RemotePeers.s3CaSecret(peer));
            }
        }
        Container container = Workloads.httpContainer(name, all.images().of(name), service.port(),
                        // Startup covers Flyway migrations and the first read-model catch-up; then liveness takes over.
                        60, service.sizing())
                .addNewEnvFrom().withNewConfigMapRef().withName("image-registry").endConfigMapRef().endEnvFrom()
                .addNewEnvFrom().withNewConfigMapRef().withName(name + "-config").endConfigMapRef().endEnvFrom()
                .withEnv(env)
                .addAllToVolumeMounts(mounts)
                .build();
        String configHash = new RegionConfiguration(all, region).hashFor(service);
        objects.add(Workloads.deployment(region, name, configHash, Workloads.podSecurity(Workloads.APP_UID, false),
                container, volumes));
        objects.add(Workloads.httpService(region, name, service.port()));
        objects.add(Workloads.disruptionBudget(region, name));
        objects.add(Workloads.cpuAutoscaler(region, name, service.sizing()));
        objects.add(new NetworkPolicies(all, region).service(service));
        return objects;
    }

    /** The {@code ca.crt} of {@code secret}, read-only in a directory of its own. */
    private static void mountCa(List<VolumeMount> mounts, List<Volume> volumes, String volume, String directory, String secret) {
        mounts.add(new VolumeMountBuilder().withName(volume).withMountPath(directory).withReadOnly(true).build());
        volumes.add(new VolumeBuilder().withName(volume).withNewSecret().withSecretName(secret)
                .addNewItem().withKey("ca.crt").withPath("ca.crt").endItem().endSecret().build());
    }
}
