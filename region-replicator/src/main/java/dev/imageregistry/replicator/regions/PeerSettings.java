package dev.imageregistry.replicator.regions;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.Config;

/**
 * Settings given per peer Region under one prefix, {@code <prefix><region>.<key>}, e.g.
 * {@code imageregistry.replicator.peer-s3.us-east-1.ca-file}. Shared by {@link PeerKafka} and {@link PeerS3}.
 * <p>
 * The names are looked up one by one (every known key, for every configured Region) rather than listed from the
 * configuration, so the environment-variable form works too, which is how Kubernetes passes a value from a
 * Secret: {@code IMAGEREGISTRY_REPLICATOR_PEER_S3_US_EAST_1_ACCESS_KEY}. A name under the prefix, in either form,
 * that is no known key of a configured Region stops the start: a misspelling would otherwise leave a peer on the
 * defaults (plaintext, the JVM's trust, the shared key pair) without a word.
 */
final class PeerSettings {
    private PeerSettings() {
    }

    /** Region name → the keys set for it (a Region without settings maps to an empty map). */
    static Map<String, Map<String, String>> read(Config config, String prefix, Iterable<SourceRegion> regions,
            Set<String> keys) {
        Map<String, Map<String, String>> settings = new HashMap<>();
        Set<String> understood = new java.util.HashSet<>();
        for (SourceRegion region : regions) {
            Map<String, String> peer = new HashMap<>();
            for (String key : keys) {
                String name = prefix + region.name() + "." + key;
                understood.add(name);
                understood.add(environmentName(name));
                config.getOptionalValue(name, String.class).ifPresent(value -> peer.put(key, value));
            }
            settings.put(region.name(), Map.copyOf(peer));
        }
        String environmentPrefix = environmentName(prefix);
        for (String name : config.getPropertyNames()) {
            if ((name.startsWith(prefix) || name.startsWith(environmentPrefix)) && !understood.contains(name)) {
                throw new IllegalArgumentException(name + " names no Region of imageregistry.replicator.regions or no "
                        + "known setting (" + prefix + "<region>.<setting>)");
            }
        }
        return settings;
    }

    /** The environment variable SmallRye Config maps {@code name} to: upper case, anything else than [A-Z0-9] as _. */
    static String environmentName(String name) {
        return name.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }
}
