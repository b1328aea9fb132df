package dev.imageregistry.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Request;

/**
 * The cross-account matrix through the AWS front door, generated from the EC2 model (the AWS SDK's request classes,
 * from botocore's service model): every EC2 action whose request takes an image, snapshot, instance or volume ID is
 * sent, signed by a stranger, with the owner's private resource in it, and again with an ID of the same shape that
 * exists nowhere. An action the gateway does not answer is refused alike (UnsupportedOperation); one it answers must
 * refuse the stranger (a Describe may answer, without the owner's resource) and tell nothing of the resource's
 * existence. So an action added to the gateway later is in the matrix without a change here.
 */
final class FrontDoorMatrix {
    private static final List<String> KINDS = List.of("Snapshot", "Instance", "Volume", "Image");

    private final URI endpoint;
    private final AwsCredentials stranger;
    private final AwsCredentials owner;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    FrontDoorMatrix(String endpoint, AwsCredentials owner, AwsCredentials stranger) {
        this.endpoint = URI.create(endpoint + "/");
        this.owner = owner;
        this.stranger = stranger;
    }

    /** Runs the matrix over the owner's private resources (kind, as in the model's member names, to ID). */
    void run(Map<String, String> owned) throws Exception {
        Map<String, String> unknown = new TreeMap<>();
        owned.forEach((kind, id) -> unknown.put(kind, sameShape(id)));
        String image = owned.get("Image");
        HttpResponse<String> ownersView = send(owner, "Action=DescribeImages&Version=2016-11-15&ImageId.1=" + image);
        assertTrue(ownersView.statusCode() == 200 && ownersView.body().contains(image), "the owner sees its image: "
                + ownersView.body());

        List<String> breaches = new ArrayList<>();
        Map<String, Integer> answers = new TreeMap<>();
        int cases = 0;
        for (Method operation : Ec2Client.class.getDeclaredMethods()) {
            Class<?>[] parameters = operation.getParameterTypes();
            if (parameters.length != 1 || !Ec2Request.class.isAssignableFrom(parameters[0])) {
                continue;
            }
            String action = parameters[0].getSimpleName().replaceAll("Request$", "");
            if (!operation.getName().equals(Character.toLowerCase(action.charAt(0)) + action.substring(1))) {
                continue;
            }
            SdkPojo model = (SdkPojo) parameters[0].getMethod("builder").invoke(null);
            String withOwned = form(action, model.sdkFields(), owned);
            if (withOwned == null) {
                continue;
            }
            cases++;
            HttpResponse<String> asStranger = send(stranger, withOwned);
            HttpResponse<String> forUnknown = send(stranger, form(action, model.sdkFields(), unknown));
            String code = code(asStranger);
            answers.merge(asStranger.statusCode() + " " + code, 1, Integer::sum);
            boolean reads = action.startsWith("Describe") || action.startsWith("Get");
            if (asStranger.statusCode() >= 500) {
                breaches.add(action + ": " + asStranger.statusCode() + " " + asStranger.body());
            } else if (asStranger.statusCode() < 300 && !reads) {
                breaches.add(action + ": the stranger's change was accepted: " + asStranger.body());
            } else if (asStranger.statusCode() < 300 && owned.values().stream().anyMatch(asStranger.body()::contains)) {
                breaches.add(action + ": the stranger read the owner's resource: " + asStranger.body());
            } else if (asStranger.statusCode() != forUnknown.statusCode() || !Objects.equals(code, code(forUnknown))) {
                breaches.add(action + ": the answer tells the resource exists (" + asStranger.statusCode() + " " + code
                        + ", for an ID that exists nowhere " + forUnknown.statusCode() + " " + code(forUnknown) + ")");
            }
        }
        System.out.printf("[matrix] the AWS front door: %d EC2 actions that take %s IDs, the stranger's answers %s%n", cases,
                owned.keySet(), answers);
        assertTrue(cases > 50, "the model's actions that take such IDs: " + cases);
        assertEquals(List.of(), breaches, "what a stranger could do through the AWS front door");
    }

    /** The action's form with the IDs in every member that names one of their kinds, or null if none does. */
    private static String form(String action, List<SdkField<?>> fields, Map<String, String> ids) {
        StringBuilder form = new StringBuilder("Action=" + action + "&Version=2016-11-15");
        boolean usesId = false;
        for (SdkField<?> field : fields) {
            String member = field.memberName();
            String kind = KINDS.stream().filter(k -> member.contains(k) && (member.endsWith("Id") || member.endsWith("Ids")))
                    .findFirst().orElse(null);
            if (kind == null || ids.get(kind) == null) {
                continue;
            }
            boolean list = field.marshallingType() == MarshallingType.LIST;
            form.append('&').append(field.locationName()).append(list ? ".1" : "").append('=')
                    .append(URLEncoder.encode(ids.get(kind), StandardCharsets.UTF_8));
            usesId = true;
        }
        return usesId ? form.toString() : null;
    }

    /** Signed by the AWS SDK's own signer; a throttled request is sent again, as the SDKs do. */
    private HttpResponse<String> send(AwsCredentials keys, String form) throws Exception {
        for (int attempt = 0; ; attempt++) {
            SdkHttpRequest request = SdkHttpRequest.builder().uri(endpoint).method(SdkHttpMethod.POST)
                    .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8").build();
            SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                    .identity(AwsCredentialsIdentity.create(keys.accessKeyId(), keys.secretAccessKey())).request(request)
                    .payload(ContentStreamProvider.fromUtf8String(form))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ec2")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")).request();
            HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(form));
            signed.forEachHeader((name, values) -> {
                if (!name.equalsIgnoreCase("Host")) {
                    values.forEach(value -> builder.header(name, value));
                }
            });
            HttpResponse<String> answer = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 503 || !"RequestLimitExceeded".equals(code(answer)) || attempt > 200) {
                return answer;
            }
            Thread.sleep(100); // the account's bucket refills at 20 changes a second: what a client's backoff waits for
        }
    }

    private static String code(HttpResponse<String> answer) {
        String body = answer.body();
        int start = body.indexOf("<Code>");
        return start < 0 ? null : body.substring(start + 6, body.indexOf("</Code>", start));
    }

    private static String sameShape(String id) {
        int dash = id.indexOf('-');
        StringBuilder fresh = new StringBuilder(id.substring(0, dash + 1));
        for (int i = dash + 1; i < id.length(); i++) {
            fresh.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
        }
        return fresh.toString();
    }
}
