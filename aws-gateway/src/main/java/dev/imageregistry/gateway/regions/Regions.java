package dev.imageregistry.gateway.regions;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Regions of the system as this gateway knows them: its own, and every Region's gateway it may pass a request
 * on to ({@code gateway.regions}: {@code us-east-1=http://…,eu-west-1=https://…}).
 */
@ApplicationScoped
public class Regions {
    private final String own;
    private final Map<String, URI> gateways;

    public Regions(@ConfigProperty(name = "gateway.region") String own,
            @ConfigProperty(name = "gateway.regions") String regions) {
        this.own = own;
        Map<String, URI> parsed = new LinkedHashMap<>();
        for (String entry : regions.split(",")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("gateway.regions: expected name=url, got '" + trimmed + "'");
            }
            parsed.put(trimmed.substring(0, equals).trim(), URI.create(trimmed.substring(equals + 1).trim()));
        }
        parsed.putIfAbsent(own, null);
        this.gateways = parsed;
    }

    public String own() {
        return own;
    }

    public boolean isOwn(String region) {
        return own.equals(region);
    }

    public boolean exists(String region) {
        return gateways.containsKey(region);
    }

    /** The gateway of another Region, or null when it is not configured. */
    public URI gatewayOf(String region) {
        return gateways.get(region);
    }

    /** Every Region, in the configured order. */
    public Iterable<String> names() {
        return gateways.keySet();
    }

    /** The public endpoint a client uses for a Region: its gateway's address. */
    public String endpointOf(String region) {
        URI gateway = gateways.get(region);
        return gateway == null ? "ec2." + region + ".amazonaws.com" : gateway.getAuthority();
    }
}
