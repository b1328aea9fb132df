package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

import java.util.List;

import static dev.imageregistry.deploy.Metadata.labels;
import static dev.imageregistry.deploy.Metadata.selector;

/**
 * What the Region's pods are made of, written once so that the four services, the aws-gateway and MinIO run the
 * same way: non-root with a read-only root filesystem, spread over zones, probed, and sized with the memory
 * request equal to the limit. The HTTP workloads (the services and the gateway) also share their Deployment's
 * shape and the Service, disruption budget and autoscaler beside it.
 */
final class Workloads {

    /** The user of the ubi9 OpenJDK runtime image the Dockerfiles build on. */
    static final long APP_UID = 185;

    private Workloads() {
    }

    /** Its own account, without a token: no workload here calls the Kubernetes API. */
    static ServiceAccount serviceAccount(Region region, String name) {
        return new ServiceAccountBuilder().withMetadata(Metadata.of(region, name, name)).withAutomountServiceAccountToken(false).build();
    }

    /**
     * The container of an HTTP workload: its port named {@code http}, the health probes, its sizing and /tmp (the
     * root filesystem is read-only). The caller adds the environment and the other mounts.
     * {@code startupFailures}: how many 5-second probes it may take to start.
     */
    static ContainerBuilder httpContainer(String name, String image, int port, int startupFailures,
                                          ImageRegistryService.Sizing sizing) {
        return new ContainerBuilder()
                .withName(name)
                .withImage(image)
                .withImagePullPolicy("IfNotPresent")
                .addNewPort().withName("http").withContainerPort(port).endPort()
                .withStartupProbe(probe("/q/health/started", "http", startupFailures))
                .withLivenessProbe(probe("/q/health/live", "http", 3))
                .withReadinessProbe(probe("/q/health/ready", "http", 3))
                .withResources(resources(sizing.cpuRequest(), sizing.cpuLimit(), sizing.memory()))
                .withSecurityContext(containerSecurity(APP_UID))
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount();
    }

    /**
     * The Deployment of an HTTP workload: rolled one new pod at a time, none taken away first; its pods carry
     * {@code configHash} (see {@link RegionConfiguration}) and get /tmp before {@code volumes}.
     */
    static Deployment deployment(Region region, String name, String configHash, PodSecurityContext security,
                                 Container container, List<Volume> volumes) {
        return new DeploymentBuilder().withMetadata(Metadata.of(region, name, name)).withNewSpec()
                // No replicas: the HorizontalPodAutoscaler owns the count, and a re-apply must not reset it.
                .withNewSelector().withMatchLabels(selector(name)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(name))
                // A changed ConfigMap changes this hash, so applying new configuration rolls the pods.
                .addToAnnotations("image-registry.dev/config-hash", configHash)
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(name).withAutomountServiceAccountToken(false)
                .withTerminationGracePeriodSeconds(30L)
                .withSecurityContext(security)
                .withTopologySpreadConstraints(spread(name))
                .withContainers(container)
                .addNewVolume().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("256Mi")).endEmptyDir().endVolume()
                .addAllToVolumes(volumes)
                .endSpec()
                .endTemplate()
                .endSpec().build();
    }

    static Service httpService(Region region, String name, int port) {
        return new ServiceBuilder().withMetadata(Metadata.of(region, name, name)).withNewSpec()
                .withSelector(selector(name))
                .addNewPort().withName("http").withPort(port).withTargetPort(new IntOrString("http")).endPort()
                .endSpec().build();
    }

    /** A node drain never takes the last serving pod. */
    static PodDisruptionBudget disruptionBudget(Region region, String name) {
        return new PodDisruptionBudgetBuilder().withMetadata(Metadata.of(region, name, name)).withNewSpec()
                .withMinAvailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(selector(name)).endSelector()
                .endSpec().build();
    }

    static HorizontalPodAutoscaler cpuAutoscaler(Region region, String name, ImageRegistryService.Sizing sizing) {
        return new HorizontalPodAutoscalerBuilder().withMetadata(Metadata.of(region, name, name)).withNewSpec()
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(name).endScaleTargetRef()
                .withMinReplicas(sizing.minReplicas()).withMaxReplicas(sizing.maxReplicas())
                .addNewMetric().withType("Resource").withNewResource().withName("cpu")
                .withNewTarget().withType("Utilization").withAverageUtilization(70).endTarget().endResource().endMetric()
                .endSpec().build();
    }

    /**
     * {@code groupOwnsVolumes}: files on the pod's volumes belong to its group (fsGroup), for a pod that reads Secret
     * files mounted group-readable only or writes to a persistent volume.
     */
    static PodSecurityContext podSecurity(long uid, boolean groupOwnsVolumes) {
        return new PodSecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(uid)
                .withRunAsGroup(uid).withFsGroup(groupOwnsVolumes ? uid : null)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build();
    }

    /** What the "restricted" Pod Security Standard asks of a container. */
    static SecurityContext containerSecurity(long uid) {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true).withRunAsUser(uid)
                .withReadOnlyRootFilesystem(true)
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .build();
    }

    /** Memory request equals the limit: the JVM sizes its heap from the limit, and a pod is not evicted for using it. */
    static ResourceRequirements resources(String cpuRequest, String cpuLimit, String memory) {
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(cpuRequest)).addToRequests("memory", new Quantity(memory))
                .addToLimits("cpu", new Quantity(cpuLimit)).addToLimits("memory", new Quantity(memory))
                .build();
    }

    static Probe probe(String path, String port, int failureThreshold) {
        return new ProbeBuilder().withNewHttpGet().withPath(path).withPort(new IntOrString(port)).endHttpGet()
                .withPeriodSeconds(5).withTimeoutSeconds(3).withFailureThreshold(failureThreshold).build();
    }

    /** Across zones where the cluster has them; a cluster in one zone still schedules every pod. */
    static TopologySpreadConstraint spread(String name) {
        return new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey("topology.kubernetes.io/zone")
                .withWhenUnsatisfiable("ScheduleAnyway")
                .withNewLabelSelector().withMatchLabels(selector(name)).endLabelSelector().build();
    }

    /** An environment variable from a Secret's key: secrets never pass through a ConfigMap. */
    static EnvVar secretEnv(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).endSecretKeyRef().endValueFrom().build();
    }
}
