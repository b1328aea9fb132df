package dev.imageregistry.deploy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The aws-gateway: each Region's public AWS endpoint (EC2 Query and STS, SigV4-verified), which calls the Region's
 * four services with short-lived bearer tokens it signs for the verified account, and passes requests signed for
 * another Region to that Region's gateway unchanged. Stateless: no database, no Kafka, no S3, so it is not one of
 * {@link ImageRegistryService#ALL} (whose members each own a database and read Kafka).
 */
public final class AwsGateway {

    public static final String NAME = "aws-gateway";
    /** Its own default HTTP_PORT, as each service's container port is that service's default. */
    public static final int PORT = 8080;
    /** SigV4 checks, XML and JSON on every call; no blocks, no read models: CPU-bound, modest memory. */
    public static final ImageRegistryService.Sizing SIZING = new ImageRegistryService.Sizing("500m", "2", "1Gi", 2, 10);

    /** Where the access keys Secret is mounted (whole, so the gateway sees it change) and the signing key Secret. */
    public static final String ACCESS_KEYS_DIRECTORY = "/etc/image-registry/access-keys";
    public static final String SIGNING_KEY_DIRECTORY = "/etc/image-registry/token-signing";

    /** The base URL variable the gateway reads for each of the Region's services. */
    public static final Map<String, String> SERVICE_URL_VARIABLES = urlVariables();

    private static Map<String, String> urlVariables() {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("registry-service", "REGISTRY_URL");
        variables.put("snapshot-service", "SNAPSHOT_URL");
        variables.put("launch-service", "LAUNCH_URL");
        variables.put("region-replicator", "REPLICATOR_URL");
        if (!variables.keySet().equals(new java.util.HashSet<>(ImageRegistryService.ALL.stream().map(ImageRegistryService::name).toList()))) {
            throw new IllegalStateException("the gateway's URL variables must name exactly the Region's services");
        }
        return java.util.Collections.unmodifiableMap(variables);
    }

    private AwsGateway() {
    }
}
