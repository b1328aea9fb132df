package dev.imageregistry.gateway.signature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.Startup;


/**
 * The access keys an operator issued, read from a file (a mounted Kubernetes Secret, or the local stack's own):
 * {@code {"AccessKeys":[{"AccessKeyId","SecretAccessKey","Account","UserName"}]}}. The file is read again when it
 * changes, so a rotated Secret takes effect without a restart; a file that no longer parses keeps the last good keys.
 */
@Startup // read at boot, not by the first request on an event loop
@ApplicationScoped
public class AccessKeys {
    private static final Logger LOG = Logger.getLogger(AccessKeys.class);
    private static final long RECHECK_MILLIS = 5_000;

    private final Path file;
    private final ObjectMapper json = new ObjectMapper();
    private volatile Map<String, AccessKey> keys = Map.of();
    private volatile FileTime readVersion;
    private volatile long checkedAt;

    public AccessKeys(@ConfigProperty(name = "gateway.access-keys-file") Path file) {
        this.file = file;
        reload();
    }

    public AccessKey find(String accessKeyId) {
        long now = System.currentTimeMillis();
        if (now - checkedAt > RECHECK_MILLIS) {
            checkedAt = now;
            reload();
        }
        return keys.get(accessKeyId);
    }

    private synchronized void reload() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            if (modified.equals(readVersion)) {
                return;
            }
            Map<String, AccessKey> read = new HashMap<>();
            for (JsonNode key : json.readTree(file.toFile()).path("AccessKeys")) {
                AccessKey accessKey = new AccessKey(key.path("AccessKeyId").asText(), key.path("SecretAccessKey").asText(),
                        key.path("Account").asText(), key.path("UserName").asText(null));
                if (accessKey.accessKeyId().isEmpty() || accessKey.secretAccessKey().isEmpty()
                        || !accessKey.account().matches("\\d{12}")) {
                    throw new IOException("an access key needs AccessKeyId, SecretAccessKey and a 12-digit Account");
                }
                read.put(accessKey.accessKeyId(), accessKey);
            }
            keys = Map.copyOf(read);
            readVersion = modified;
            LOG.infof("%d access keys read from %s", read.size(), file);
        } catch (IOException | RuntimeException e) {
            LOG.errorf("could not read the access keys in %s (%s); keeping the %d read before", file, e.getMessage(),
                    keys.size());
        }
    }
}
