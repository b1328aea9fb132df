package dev.imageregistry.gateway.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import dev.imageregistry.gateway.wire.WireShape;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Generated hostile EC2 Query requests, correctly signed so that they reach the reader, for every action of the
 * catalogue: each honoured member (found by walking the model, lists flattened as EC2's are) with values of the
 * wrong type, empty, huge, with NUL, right-to-left or lone-surrogate text, IDs of every wrong shape; list indexes
 * of 0, -1 and 99999; unknown and duplicated parameters; another Version; broken percent-encoding, bytes that are
 * not UTF-8, another media type; some with a signature that does not match. Every answer must be EC2's: XML with a
 * request ID, an error code for a refusal, and never a 500. The Region's services are not running here (profile
 * {@link AwsEndpointTest.NoServices}): what passes the gateway's own checks is answered {@code 503 Unavailable},
 * counted as having reached a service; the services' own hostile suites cover what they do with it.
 */
@QuarkusTest
@TestProfile(AwsEndpointTest.NoServices.class)
class HostileQueryTest {
    private static final long SEED = Long.getLong("hostile.seed", System.nanoTime() % 100_000);
    private static final int PER_ACTION = Integer.getInteger("hostile.per-action", 60);
    private static final String[] TEXT = {
        "", " ", "a\u0000b", "\u202eevil\u202c", "\ud800", "\ud83d\ude00", "'; drop table image; --", "../../etc/passwd",
        "ami-", "ami-0", "ami-zzzzzzzzzzzzzzzzz", "ami-0123456789abcdef01", "AMI-0123456789ABCDEF0", "ami-0123456789abcdef0",
        "snap-0123456789abcdef0", "i-0123456789abcdef0", "ami-0123456789abcdef0\n", "null", "true", "-1", "1e309",
        "9223372036854775808", "2026-13-45T25:61:00Z", "\t\r\n", "*", "?", "\\", "\"", "<x/>", "]]>", "&amp;", "{}",
        "self", "all", "111111111111", "x86_64", "/dev/xvda"};

    @Inject
    Ec2Actions actions;

    @TestHTTPResource("/")
    URI endpoint;

    @Test
    void everyHostileRequestGetsEc2sAnswer() throws Exception {
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> unclean = new ArrayList<>();
        int sent = 0;
        for (String name : actions.names()) {
            Ec2Action action = actions.find(name);
            for (int n = 0; n < PER_ACTION; n++) {
                long seed = SEED * 1_000_003L + name.hashCode() * 10_007L + n;
                Random random = new Random(seed);
                Hostile request = request(action, random);
                HttpResponse<String> answer;
                try {
                    answer = send(request, random);
                } catch (java.io.IOException e) {
                    unclean.add("seed " + seed + " " + name + ": no answer (" + e.getMessage() + ") for "
                            + request.what().substring(0, Math.min(200, request.what().length())) + " (" + request.what().length() + " characters)");
                    continue;
                } finally {
                    sent++;
                }
                String code = between(answer.body(), "<Code>", "</Code>");
                outcomes.merge(answer.statusCode() + (code == null ? "" : " " + code), 1, Integer::sum);
                String fault = fault(answer, code);
                if (fault != null && unclean.size() < 20) {
                    unclean.add("seed " + seed + " " + name + ": " + fault + " for "
                            + request.what().substring(0, Math.min(300, request.what().length())) + " ("
                            + request.what().length() + " characters) -> "
                            + answer.statusCode() + " " + answer.body().substring(0, Math.min(300, answer.body().length())));
                }
            }
        }
        System.out.printf("[hostile] seed %d: %d EC2 Query requests to %d actions, answers by status and code %s%n", SEED,
                sent, sent / PER_ACTION, outcomes);
        assertEquals(List.of(), unclean, "answers that were not EC2's (seed " + SEED + ")");
    }

    /** Null when the answer is EC2's: XML with the request ID, an error code for a refusal, and no 500. */
    private static String fault(HttpResponse<String> answer, String code) {
        String body = answer.body();
        String requestId = answer.headers().firstValue("x-amzn-RequestId").orElse(null);
        int status = answer.statusCode();
        if (requestId == null || !answer.headers().firstValue("Content-Type").orElse("").startsWith("text/xml")) {
            return "no request ID or not XML";
        }
        if (body.contains("Exception") || body.contains("\tat ") || body.contains("dev.imageregistry")) {
            return "a stack trace or class name";
        }
        if (status == 200) {
            return body.contains("<requestId>" + requestId + "</requestId>") ? null : "a 200 without its requestId";
        }
        if (code == null || !body.contains("<RequestID>" + requestId + "</RequestID>")) {
            return "an error without a code or request ID";
        }
        if (status >= 500 && !(status == 503 && (code.equals("Unavailable") || code.equals("RequestLimitExceeded")))) {
            return "a server error";
        }
        return null;
    }

    private record Hostile(String method, String form, byte[] body, String contentType, String what, boolean badSignature) {
    }

    private Hostile request(Ec2Action action, Random random) {
        List<String[]> parameters = new ArrayList<>();
        parameters.add(new String[] {"Action", action.name()});
        parameters.add(new String[] {"Version", random.nextInt(15) == 0 ? pick(random, "2011-06-15", "", "2099-01-01")
                : "2016-11-15"});
        for (String path : action.accepted()) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            StringBuilder queryName = new StringBuilder();
            WireShape shape = action.requestShape();
            WireShape.Member member = null;
            for (String segment : path.split("\\.")) {
                member = shape == null ? null : shape.member(segment);
                if (member == null) {
                    break;
                }
                queryName.append(queryName.length() == 0 ? "" : ".").append(member.queryName());
                if (member.kind() == WireShape.Kind.LIST) {
                    queryName.append('.').append(random.nextInt(8) == 0 ? pick(random, "0", "-1", "99999", "x", "") : "1");
                    member = member.item();
                }
                shape = member.kind() == WireShape.Kind.STRUCTURE ? member.structure() : null;
            }
            if (member != null) {
                parameters.add(new String[] {queryName.toString(), value(random, member)});
            }
        }
        if (random.nextInt(10) == 0) {
            parameters.add(new String[] {pick(random, "Bogus", "imageId", "ImageId.1.Extra", "Action"), text(random)});
        }
        if (random.nextInt(10) == 0 && parameters.size() > 2) {
            parameters.add(parameters.get(2 + random.nextInt(parameters.size() - 2)));
        }
        StringBuilder form = new StringBuilder();
        for (String[] parameter : parameters) {
            form.append(form.length() == 0 ? "" : "&").append(encode(parameter[0])).append('=').append(encode(parameter[1]));
        }
        if (random.nextInt(20) == 0) {
            form.append(pick(random, "&Name=%zz", "&%", "&=x", "&&", "&Name=%E0%A4"));
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(form.toString().getBytes(StandardCharsets.UTF_8));
        if (random.nextInt(20) == 0) {
            body.writeBytes(new byte[] {'&', 'N', 'a', 'm', 'e', '=', (byte) 0xC3, (byte) 0x28, (byte) 0xFF});
        }
        String contentType = random.nextInt(20) == 0 ? pick(random, "text/plain", "application/json", "multipart/form-data")
                : "application/x-www-form-urlencoded; charset=utf-8";
        // A GET only while its URI stays under the 64 KiB past which the HTTP server answers by itself (a bare 414,
        // the one refusal the endpoint cannot dress; see docs/aws-gateway.md).
        String method = random.nextInt(8) == 0 && form.length() < 50_000 ? "GET" : "POST";
        return new Hostile(method, form.toString(), body.toByteArray(), contentType, method + " " + form, random.nextInt(25) == 0);
    }

    private static String value(Random random, WireShape.Member member) {
        String type = String.valueOf(member.type());
        if (random.nextBoolean()) {
            switch (member.kind()) {
                case TIMESTAMP:
                    return pick(random, "yesterday", "2026-02-30T00:00:00Z", "-1", "99999999999999");
                case STRUCTURE:
                case LIST:
                    return text(random);
                default:
                    if (type.contains("BOOLEAN")) {
                        return pick(random, "maybe", "TRUE", "1", "");
                    }
                    if (type.contains("INTEGER") || type.contains("LONG")) {
                        return pick(random, "-1", "0", "2147483648", "9223372036854775808", "1.5", "abc", "");
                    }
                    break;
            }
        }
        return text(random);
    }

    /** Text of every hostile kind, or huge: up to 100,000 characters (over the 16 KiB a URI may have). */
    private static String text(Random random) {
        if (random.nextInt(10) == 0) {
            return "x".repeat(pick(random, 256, 4096, 20_000, 100_000));
        }
        String base = TEXT[random.nextInt(TEXT.length)];
        return random.nextInt(4) == 0 ? base + TEXT[random.nextInt(TEXT.length)] : base;
    }

    /** Signed by the AWS SDK's own signer (the query of a GET, the body of a POST), as its EC2 client signs. */
    private HttpResponse<String> send(Hostile hostile, Random random) throws Exception {
        boolean get = hostile.method().equals("GET");
        URI uri = URI.create("http://127.0.0.1:" + endpoint.getPort() + "/");
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(get ? SdkHttpMethod.GET : SdkHttpMethod.POST)
                .uri(uri);
        if (get) {
            // The signer encodes the query itself: the parameters go to it decoded (a broken escape as it stands).
            for (String pair : hostile.form().split("&")) {
                int equals = pair.indexOf('=');
                request.appendRawQueryParameter(decode(equals < 0 ? pair : pair.substring(0, equals)),
                        equals < 0 ? "" : decode(pair.substring(equals + 1)));
            }
        } else {
            request.putHeader("Content-Type", hostile.contentType());
        }
        byte[] body = get ? new byte[0] : hostile.body();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(AwsEndpointTest.KEY_ID,
                        hostile.badSignature() ? AwsEndpointTest.SECRET + "x" : AwsEndpointTest.SECRET))
                .request(request.build()).payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ec2")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")).request();
        HttpRequest.Builder http = HttpRequest.newBuilder(get ? signed.getUri() : uri).timeout(java.time.Duration.ofSeconds(10))
                .method(hostile.method(), get ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        signed.forEachHeader((name, values) -> {
            if (!Set.of("host", "content-length").contains(name.toLowerCase())) {
                values.forEach(value -> http.header(name, value));
            }
        });
        return AwsEndpointTest.CLIENT.send(http.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String decode(String text) {
        try {
            return java.net.URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException broken) {
            return text;
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String between(String text, String before, String after) {
        int start = text.indexOf(before);
        int end = start < 0 ? -1 : text.indexOf(after, start + before.length());
        return end < 0 ? null : text.substring(start + before.length(), end);
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
