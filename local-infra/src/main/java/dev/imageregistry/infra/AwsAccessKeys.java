package dev.imageregistry.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The AWS access keys of the demo accounts, as an operator would issue them: one key pair per account in the
 * gateway's credentials store ({@code access-keys.json}), and a standard AWS {@code config} and {@code credentials}
 * file with a profile per account, so the aws CLI, boto3, the SDKs and Terraform use them unchanged. Kept across
 * restarts, like the token keys.
 */
public final class AwsAccessKeys {
    private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A key pair of one account. */
    public record Key(String profile, String account, String accessKeyId, String secretAccessKey) {
    }

    private final Path directory;
    private final Map<String, Key> byProfile;

    private AwsAccessKeys(Path directory, Map<String, Key> byProfile) {
        this.directory = directory;
        this.byProfile = byProfile;
    }

    /** Reads the keys in {@code directory}, creating those of profiles (name → account) that have none yet. */
    public static AwsAccessKeys loadOrCreate(Path directory, Map<String, String> accountsByProfile) {
        try {
            Files.createDirectories(directory);
            Path store = directory.resolve("access-keys.json");
            Map<String, Key> keys = new LinkedHashMap<>();
            if (Files.exists(store)) {
                for (JsonNode entry : JSON.readTree(store.toFile()).path("AccessKeys")) {
                    String profile = entry.path("UserName").asText();
                    keys.put(profile, new Key(profile, entry.path("Account").asText(), entry.path("AccessKeyId").asText(),
                            entry.path("SecretAccessKey").asText()));
                }
            }
            SecureRandom random = new SecureRandom();
            accountsByProfile.forEach((profile, account) -> keys.computeIfAbsent(profile,
                    p -> new Key(p, account, "AKIA" + random(random, ID_ALPHABET, 16), random(random, SECRET_ALPHABET, 40))));
            AwsAccessKeys created = new AwsAccessKeys(directory, keys);
            created.write();
            return created;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Key key(String profile) {
        return byProfile.get(profile);
    }

    public Iterable<Key> keys() {
        return byProfile.values();
    }

    /** The gateway's credentials store. */
    public Path store() {
        return directory.resolve("access-keys.json");
    }

    public Path configFile() {
        return directory.resolve("config");
    }

    public Path credentialsFile() {
        return directory.resolve("credentials");
    }

    /** Points every profile of the config file at one endpoint (the first Region's gateway) and a default Region. */
    public void writeConfig(String endpointUrl, String region) throws IOException {
        StringBuilder config = new StringBuilder();
        for (Key key : byProfile.values()) {
            config.append("[profile ").append(key.profile()).append("]\nregion = ").append(region)
                    .append("\nendpoint_url = ").append(endpointUrl).append("\noutput = json\n\n");
        }
        Files.writeString(configFile(), config);
    }

    private void write() throws IOException {
        ObjectNode store = JSON.createObjectNode();
        ArrayNode entries = store.putArray("AccessKeys");
        StringBuilder credentials = new StringBuilder();
        for (Key key : byProfile.values()) {
            entries.addObject().put("AccessKeyId", key.accessKeyId()).put("SecretAccessKey", key.secretAccessKey())
                    .put("Account", key.account()).put("UserName", key.profile());
            credentials.append('[').append(key.profile()).append("]\naws_access_key_id = ").append(key.accessKeyId())
                    .append("\naws_secret_access_key = ").append(key.secretAccessKey()).append("\n\n");
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(store().toFile(), store);
        Files.writeString(credentialsFile(), credentials);
    }

    private static String random(SecureRandom random, String alphabet, int length) {
        StringBuilder value = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            value.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return value.toString();
    }
}
