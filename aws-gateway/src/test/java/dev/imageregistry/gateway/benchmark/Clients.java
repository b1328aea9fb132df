package dev.imageregistry.gateway.benchmark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import dev.imageregistry.gateway.signature.SignedRequest;

/**
 * The benchmark's two clients of the same two actions: the registry's JSON API with a bearer token (direct) and the
 * gateway's EC2 Query protocol signed with SigV4 by the AWS SDK's own signer. Both make blocking HTTP/1.1 keep-alive
 * calls on the caller's thread ({@link HttpURLConnection}, as the AWS CLI and the SDKs' default clients do: blocking,
 * pooled HTTP/1.1), read every answer to its end (which returns the connection to the JDK's keep-alive cache) and
 * check it is the answer asked for, so that a refusal is never counted as a fast answer.
 */
final class Clients {
    static final String FORM = "application/x-www-form-urlencoded; charset=utf-8";

    private Clients() {
    }

    /** One API of the two: what the closed-loop clients call. */
    interface Api {
        String label();

        /** DescribeImages of one image by ID; throws unless the answer is that image. */
        void describe(String imageId) throws IOException;

        /** RegisterImage with one EBS mapping; returns the new image's ID. */
        String register(String name, String snapshotId) throws IOException;
    }

    record Answer(int status, String body) {
    }

    /** An answer that is not the one asked for (a refusal, or another or no image): counted, never timed as a success. */
    static final class WrongAnswer extends RuntimeException {
        WrongAnswer(String message) {
            super(message);
        }
    }

    static Answer call(URI uri, String method, Map<String, String> headers, byte[] body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        connection.setRequestMethod(method);
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(120_000);
        headers.forEach(connection::setRequestProperty);
        if (body != null) {
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
        }
        int status = connection.getResponseCode();
        // Reading the body to its end (error bodies too) returns the connection to the keep-alive cache.
        try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            return new Answer(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** The registry's own JSON API, as another service or the CLI of the internal API calls it. */
    static final class Direct implements Api {
        private final URI base;
        private final Map<String, String> headers;

        Direct(String registryUrl, String token) {
            this.base = URI.create(registryUrl);
            this.headers = Map.of("Authorization", "Bearer " + token, "Accept", "application/json");
        }

        @Override
        public String label() {
            return "direct";
        }

        @Override
        public void describe(String imageId) throws IOException {
            Answer answer = call(base.resolve("/images?ImageId=" + imageId), "GET", headers, null);
            if (answer.status() != 200 || !answer.body().contains("\"" + imageId + "\"")) {
                throw new WrongAnswer("direct DescribeImages of " + imageId + " answered " + answer);
            }
        }

        @Override
        public String register(String name, String snapshotId) throws IOException {
            Answer answer = registerAnswer(name, snapshotId);
            if (answer.status() != 200) {
                throw new WrongAnswer("direct RegisterImage " + name + " answered " + answer);
            }
            return imageId("direct", name, answer, between(answer.body(), "\"ImageId\":\"", "\""));
        }

        Answer registerAnswer(String name, String snapshotId) throws IOException {
            String json = "{\"Name\":\"" + name + "\",\"Architecture\":\"x86_64\",\"RootDeviceName\":\"/dev/xvda\","
                    + "\"BlockDeviceMappings\":[{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{\"SnapshotId\":\"" + snapshotId
                    + "\"}}]}";
            Map<String, String> post = new LinkedHashMap<>(headers);
            post.put("Content-Type", "application/json");
            return call(base.resolve("/images"), "POST", post, json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The gateway's EC2 Query protocol: form POSTs to /, signed as the AWS SDKs sign them. */
    static final class Gateway implements Api {
        private final URI endpoint;
        private final AwsCredentialsIdentity credentials;
        private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
        /** Time the clients spent signing inside the measured calls (the client's share of the gateway path). */
        final LongAdder signingNanos = new LongAdder();
        final LongAdder signed = new LongAdder();

        Gateway(URI gatewayUrl, String accessKeyId, String secretAccessKey) {
            this.endpoint = gatewayUrl.resolve("/");
            this.credentials = AwsCredentialsIdentity.create(accessKeyId, secretAccessKey);
        }

        @Override
        public String label() {
            return "gateway";
        }

        URI endpoint() {
            return endpoint;
        }

        static String describeForm(String imageId) {
            return "Action=DescribeImages&Version=2016-11-15&ImageId.1=" + imageId;
        }

        static String registerForm(String name, String snapshotId) {
            return "Action=RegisterImage&Version=2016-11-15&Name=" + URLEncoder.encode(name, StandardCharsets.UTF_8)
                    + "&Architecture=x86_64&RootDeviceName=%2Fdev%2Fxvda&BlockDeviceMapping.1.DeviceName=%2Fdev%2Fxvda"
                    + "&BlockDeviceMapping.1.Ebs.SnapshotId=" + snapshotId;
        }

        @Override
        public void describe(String imageId) throws IOException {
            Answer answer = post(describeForm(imageId));
            if (answer.status() != 200 || !answer.body().contains("<imageId>" + imageId + "</imageId>")) {
                throw new WrongAnswer("gateway DescribeImages of " + imageId + " answered " + answer);
            }
        }

        @Override
        public String register(String name, String snapshotId) throws IOException {
            Answer answer = post(registerForm(name, snapshotId));
            if (answer.status() != 200) {
                throw new WrongAnswer("gateway RegisterImage " + name + " answered " + answer);
            }
            // A 200 without an image ID was seen (the registry's answer lost on the gateway's side): not a success.
            return imageId("gateway", name, answer, between(answer.body(), "<imageId>", "</imageId>"));
        }

        Answer post(String form) throws IOException {
            byte[] body = form.getBytes(StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            SdkHttpRequest signedRequest = sign(body);
            signingNanos.add(System.nanoTime() - t0);
            signed.increment();
            Map<String, String> headers = new LinkedHashMap<>();
            signedRequest.forEachHeader((name, values) -> {
                if (name.equalsIgnoreCase("Host")) {
                    // HttpURLConnection sends this very value itself (and refuses to be told it).
                    if (!values.get(0).equals(endpoint.getAuthority())) {
                        throw new IllegalStateException("signed Host " + values + " is not " + endpoint.getAuthority());
                    }
                } else {
                    headers.put(name, String.join(",", values));
                }
            });
            return call(endpoint, "POST", headers, body);
        }

        /** The SDK's SigV4 signature of a form POST to the endpoint (service ec2, us-east-1), as its EC2 client makes. */
        SdkHttpRequest sign(byte[] body) {
            SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(endpoint)
                    .putHeader("Content-Type", FORM).build();
            return signer.sign(r -> r.identity(credentials).request(request)
                    .payload(ContentStreamProvider.fromByteArray(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ec2")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, BenchmarkRegion.REGION)).request();
        }

        /** A signed request as the gateway's HTTP server sees it arrive (for the verification baseline). */
        SignedRequest asReceived(String form) {
            byte[] body = form.getBytes(StandardCharsets.UTF_8);
            SdkHttpRequest request = sign(body);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            request.forEachHeader((name, values) -> headers.put(name.toLowerCase(), new ArrayList<>(values)));
            headers.putIfAbsent("host", List.of(endpoint.getAuthority()));
            headers.put("content-length", List.of(String.valueOf(body.length)));
            return new SignedRequest("POST", "/", null, headers, body);
        }
    }

    private static String imageId(String path, String name, Answer answer, String imageId) {
        if (!imageId.matches("ami-[0-9a-f]{17}")) {
            throw new WrongAnswer(path + " RegisterImage " + name + " answered " + answer);
        }
        return imageId;
    }

    static String between(String text, String before, String after) {
        int start = text.indexOf(before);
        if (start < 0) {
            throw new WrongAnswer("no " + before + " in " + text);
        }
        start += before.length();
        return text.substring(start, text.indexOf(after, start));
    }
}
