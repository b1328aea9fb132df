package dev.imageregistry.platform;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Which service this is and in which Region it runs: the CloudEvents source of everything it publishes. */
@ApplicationScoped
public class ServiceIdentity {
    private final String region;
    private final String service;

    public ServiceIdentity(@ConfigProperty(name = "imageregistry.region") String region,
            @ConfigProperty(name = "quarkus.application.name") String service) {
        if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
            throw new IllegalArgumentException("imageregistry.region must look like us-east-1, not " + region);
        }
        this.region = region;
        this.service = service;
    }

    public String region() {
        return region;
    }

    public String service() {
        return service;
    }

    /** CloudEvents source: a URI reference naming the Region and the producing service. */
    public String eventSource() {
        return "/regions/" + region + "/" + service;
    }
}
