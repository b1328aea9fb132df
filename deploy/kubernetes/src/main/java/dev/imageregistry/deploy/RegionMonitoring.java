package dev.imageregistry.deploy;

import dev.imageregistry.deploy.Regions.Region;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRuleBuilder;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.RuleBuilder;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitorBuilder;

import java.util.List;
import java.util.stream.Stream;

/**
 * 90-monitoring.yaml: what the Prometheus operator scrapes in the Region (the services' and the gateway's
 * /q/metrics) and the alerts it raises. The Grafana dashboard is installation-wide, rendered by {@link Rendering}.
 */
final class RegionMonitoring {

    private final Region region;

    RegionMonitoring(Region region) {
        this.region = region;
    }

    List<Object> objects() {
        return List.of(serviceMonitor(), alerts());
    }

    private ServiceMonitor serviceMonitor() {
        return new ServiceMonitorBuilder().withMetadata(Metadata.of(region, "image-registry", null)).withNewSpec()
                .withNewSelector().addToMatchLabels("app.kubernetes.io/part-of", Metadata.PART_OF)
                .addNewMatchExpression().withKey("app.kubernetes.io/name").withOperator("In")
                .withValues(Stream.concat(ImageRegistryService.ALL.stream().map(ImageRegistryService::name),
                        Stream.of(AwsGateway.NAME)).toList())
                .endMatchExpression().endSelector()
                .addNewEndpoint().withPort("http").withPath("/q/metrics").withInterval("15s")
                // Every series carries its Region, so one Grafana shows all Regions side by side.
                .addNewRelabeling().withTargetLabel("region").withReplacement(region.name()).withAction("replace").endRelabeling()
                .endEndpoint()
                .endSpec().build();
    }

    /** The alerts deploy/README.md names under "What to watch". */
    private PrometheusRule alerts() {
        String ns = "namespace=\"" + region.namespace() + "\"";
        return new PrometheusRuleBuilder().withMetadata(Metadata.of(region, "image-registry", null)).withNewSpec()
                .addNewGroup().withName("image-registry")
                .addToRules(alert("ReadModelLagGrowing",
                        "min_over_time(deriv(imageregistry_read_model_lag_events{" + ns + "}[5m])[10m:1m]) > 0 "
                                + "and imageregistry_read_model_lag_events{" + ns + "} > 100",
                        "10m", "warning", "Read model {{ $labels.read_model }} falls further behind its topics."))
                .addToRules(alert("EventsRejected",
                        "increase(imageregistry_events_rejected_total{" + ns + "}[10m]) > 0",
                        "0m", "warning", "{{ $labels.read_model }} skipped events it could not read ({{ $labels.reason }})."))
                .addToRules(alert("HttpServerErrors",
                        "sum by (service) (rate(http_server_requests_seconds_count{" + ns + ", status=~\"5..\"}[5m])) > 0",
                        "5m", "critical", "{{ $labels.service }} answers 5xx."))
                .addToRules(alert("HttpSlow",
                        "histogram_quantile(0.99, sum by (le, service) (rate(http_server_requests_seconds_bucket{" + ns + "}[5m]))) > 1",
                        "10m", "warning", "{{ $labels.service }} p99 above 1 s."))
                .endGroup()
                .endSpec().build();
    }

    private Rule alert(String name, String expr, String duration, String severity, String summary) {
        return new RuleBuilder().withAlert(name).withExpr(new IntOrString(expr)).withFor(duration)
                .addToLabels("severity", severity).addToLabels("region", region.name())
                .addToAnnotations("summary", summary).build();
    }
}
