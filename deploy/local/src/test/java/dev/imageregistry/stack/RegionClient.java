package dev.imageregistry.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Calls one Region's services of the running local stack as an account, the way curl in the README does. */
final class RegionClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    static final int REGISTRY = 1;
    static final int SNAPSHOT = 2;
    static final int LAUNCH = 3;
    static final int REPLICATOR = 4;

    private final int portBase;

    RegionClient(int portBase) {
        this.portBase = portBase;
    }

    record Answer(int status, JsonNode body) {
        String code() {
            return body.at("/Errors/0/Code").asText(null);
        }
    }

    String endpoint(int service) {
        return "http://127.0.0.1:" + (portBase + service);
    }

    Answer get(int service, String path, String token) {
        return send("GET", service, path, token, null);
    }

    Answer post(int service, String path, String token, String json) {
        return send("POST", service, path, token, json);
    }

    Answer delete(int service, String path, String token) {
        return send("DELETE", service, path, token, null);
    }

    Answer send(String method, int service, String path, String token, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint(service) + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
            return new Answer(response.statusCode(), body);
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
