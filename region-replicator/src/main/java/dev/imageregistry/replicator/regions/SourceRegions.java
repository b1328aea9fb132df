package dev.imageregistry.replicator.regions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Regions this replicator can copy from, from {@code imageregistry.replicator.regions}
 * ({@code REPLICATOR_REGIONS}): a comma-separated list of {@code region=kafkaBootstrap|s3Endpoint[|anything]}.
 * This Region may be listed too (a copy within a Region is allowed, as on EC2).
 */
@ApplicationScoped
public class SourceRegions {
    private final Map<String, SourceRegion> regions = new LinkedHashMap<>();

    public SourceRegions(@ConfigProperty(name = "imageregistry.replicator.regions") Optional<String> configured) {
        configured.ifPresent(list -> {
            for (String entry : list.split(",")) {
                if (entry.isBlank()) {
                    continue;
                }
                String[] nameAndEndpoints = entry.trim().split("=", 2);
                String[] endpoints = nameAndEndpoints.length == 2 ? nameAndEndpoints[1].split("\\|") : new String[0];
                if (endpoints.length < 2) {
                    throw new IllegalArgumentException("imageregistry.replicator.regions entry '" + entry
                            + "' must be region=kafkaBootstrap|s3Endpoint");
                }
                String name = nameAndEndpoints[0].trim();
                regions.put(name, new SourceRegion(name, endpoints[0].trim(), endpoints[1].trim()));
            }
        });
    }

    public Optional<SourceRegion> find(String name) {
        return Optional.ofNullable(regions.get(name));
    }

    public Iterable<SourceRegion> all() {
        return regions.values();
    }
}
