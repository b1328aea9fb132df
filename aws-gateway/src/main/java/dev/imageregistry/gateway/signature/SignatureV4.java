package dev.imageregistry.gateway.signature;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.gateway.wire.QueryParameters;

/**
 * Verifies AWS Signature Version 4, in a header ({@code Authorization: AWS4-HMAC-SHA256 …}) or in the query string
 * (a presigned URL): rebuilds the canonical request from what arrived, derives the signing key from the access key's
 * secret and the credential scope, and compares the signatures in constant time. A request dated more than 15
 * minutes from now, or a presigned one past its expiry, is refused, so a captured request cannot be replayed later.
 */
public final class SignatureV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    static final Duration MAX_SKEW = Duration.ofMinutes(15);
    static final long MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final HexFormat HEX = HexFormat.of();
    private static final Set<String> SERVICES = Set.of("ec2", "sts", "ebs");
    /**
     * One of each per thread: looking a MAC or digest up in the security providers costs more than using it. The MAC
     * remembers the key it was last given, so a thread verifying request after request with the same (cached) signing
     * key skips the key schedule.
     */
    private static final ThreadLocal<KeyedMac> HMAC = ThreadLocal.withInitial(KeyedMac::new);
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    private final Function<String, AccessKey> keys;
    private final Clock clock;
    private final Map<String, byte[]> signingKeys = new ConcurrentHashMap<>();

    public SignatureV4(Function<String, AccessKey> keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /** The parts of a signature, as the Authorization header or the presigned query names them. */
    record Signature(String accessKeyId, String date, String region, String service, List<String> signedHeaders,
            String signature, String amzDate, boolean presigned, long expiresSeconds) {
    }

    /**
     * What a request claims about its signature, read once and not yet verified: its parts, nothing (an unsigned
     * request), or the refusal of parts that cannot be read. The gateway routes by the claimed Region and service
     * (a request for another Region is verified again by that Region's gateway) and then verifies this same claim.
     */
    public static final class Claim {
        private final Signature signature;
        private final AwsError unreadable;

        private Claim(Signature signature, AwsError unreadable) {
            this.signature = signature;
            this.unreadable = unreadable;
        }

        /** The Region the request is signed for; null when it is not signed or its signature cannot be read. */
        public String region() {
            return signature == null ? null : signature.region();
        }

        /** The service the request is signed for; null when it is not signed or its signature cannot be read. */
        public String service() {
            return signature == null ? null : signature.service();
        }
    }

    /** Reads what a request claims about its signature, without verifying anything (never throws). */
    public static Claim claim(SignedRequest request) {
        try {
            return new Claim(parse(request), null);
        } catch (AwsError e) {
            return new Claim(null, e);
        }
    }

    /** The verified caller, or the refusal AWS would answer ({@code fallbackService} names the service of an unsigned request). */
    public Caller verify(SignedRequest request, String fallbackService) {
        return verify(request, claim(request), fallbackService);
    }

    /** {@link #verify(SignedRequest, String)} of a claim already read from the request. */
    public Caller verify(SignedRequest request, Claim claim, String fallbackService) {
        if (claim.unreadable != null) {
            throw claim.unreadable;
        }
        Signature signature = claim.signature;
        Refusals refusals = Refusals.of(signature == null ? fallbackService : signature.service());
        return verify(request, signature, refusals, null);
    }

    /**
     * The verified caller of a request to one REST service ({@code ebs}): the signature must be scoped to that
     * service, and every refusal is that service's. {@code request.body()} holds the body, or is null when the body is
     * passed on as it arrives, unread: then {@code streamedBodyHash} is the body's SHA-256 (lower-case hex) as
     * something the receiver of the body checks vouches for it, or null when nothing does (see
     * {@link #payloadHashes}).
     */
    public Caller verifyFor(String service, SignedRequest request, Claim claim, String streamedBodyHash) {
        Refusals refusals = Refusals.of(service);
        if (claim.unreadable != null) {
            // Every part that cannot be read is an incomplete signature, whichever service words it.
            throw refusals.incomplete(claim.unreadable.getMessage());
        }
        Signature signature = claim.signature;
        if (signature != null && !service.equals(signature.service())) {
            throw refusals.scope("Credential should be scoped to correct service: '" + service + "'.");
        }
        return verify(request, signature, refusals, streamedBodyHash);
    }

    private Caller verify(SignedRequest request, Signature signature, Refusals refusals, String streamedBodyHash) {
        if (signature == null) {
            throw refusals.missing();
        }
        if (!SERVICES.contains(signature.service())) {
            throw refusals.scope("Credential should be scoped to a valid service: 'ec2', 'sts' or 'ebs', not '"
                    + signature.service() + "'.");
        }
        Instant signedAt = signedAt(signature, refusals);
        if (!signature.amzDate().startsWith(signature.date())) {
            throw refusals.scope("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"
                    + signature.date() + "' != '" + signature.amzDate().substring(0, 8) + "'");
        }
        Instant now = clock.instant();
        if (signature.presigned()) {
            if (signature.expiresSeconds() < 1 || signature.expiresSeconds() > MAX_PRESIGNED_SECONDS) {
                throw refusals.incomplete("X-Amz-Expires must be between 1 and " + MAX_PRESIGNED_SECONDS + " seconds.");
            }
            if (now.isAfter(signedAt.plusSeconds(signature.expiresSeconds())) || signedAt.isAfter(now.plus(MAX_SKEW))) {
                throw refusals.expired("Request has expired.");
            }
        } else if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
            throw refusals.skewed(signature.amzDate(), signedAt, now);
        }
        AccessKey key = keys.apply(signature.accessKeyId());
        if (key == null) {
            throw refusals.unknownKey();
        }
        byte[] signingKey = signingKey(key, signature);
        boolean matches = false;
        for (String payloadHash : payloadHashes(request, signature, refusals, streamedBodyHash)) {
            String stringToSign = ALGORITHM + "\n" + signature.amzDate() + "\n" + signature.date() + "/"
                    + signature.region() + "/" + signature.service() + "/aws4_request\n"
                    + HEX.formatHex(sha256(canonicalRequest(request, signature, payloadHash).getBytes(StandardCharsets.UTF_8)));
            byte[] expected = HEX.formatHex(hmac(signingKey, stringToSign)).getBytes(StandardCharsets.US_ASCII);
            matches |= MessageDigest.isEqual(expected, signature.signature().getBytes(StandardCharsets.US_ASCII));
        }
        if (!matches) {
            throw refusals.mismatch();
        }
        return new Caller(key.accessKeyId(), key.account(), key.userName(), signature.region(), signature.service());
    }

    /** The time format of the signature's date, for the messages that quote it. */
    static String amzDate(Instant instant) {
        return AMZ_DATE.format(instant.atOffset(ZoneOffset.UTC));
    }

    private static Instant signedAt(Signature signature, Refusals refusals) {
        Instant read = basicTimestamp(signature.amzDate());
        if (read != null) {
            return read;
        }
        try {
            return LocalDateTime.parse(signature.amzDate(), AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw refusals.incomplete("The date of the request (" + signature.amzDate()
                    + ") is not an ISO 8601 basic timestamp such as 20261203T130405Z.");
        }
    }

    /**
     * {@code 20261203T130405Z} read digit by digit, as every SDK sends it; null for anything else (a day past the
     * month's end, hour 24, a longer year …), which the formatter then reads as it always did, so an odd date gets
     * the same answer as before. The formatter costs several times the rest of this check.
     */
    static Instant basicTimestamp(String amzDate) {
        if (amzDate.length() != 16 || amzDate.charAt(8) != 'T' || amzDate.charAt(15) != 'Z') {
            return null;
        }
        int year = digits(amzDate, 0, 4);
        int month = digits(amzDate, 4, 6);
        int day = digits(amzDate, 6, 8);
        int hour = digits(amzDate, 9, 11);
        int minute = digits(amzDate, 11, 13);
        int second = digits(amzDate, 13, 15);
        if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59) {
            return null;
        }
        try {
            long days = LocalDate.of(year, month, day).toEpochDay();
            return Instant.ofEpochSecond(days * 86_400 + hour * 3_600 + minute * 60 + second);
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** The number the ASCII digits from {@code start} to {@code end} spell, or -1. */
    private static int digits(String text, int start, int end) {
        int value = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /**
     * What the body's hash may be in the canonical request. A header-signed request names it in
     * {@code x-amz-content-sha256} (then it must be the body's), or it is the body's; a presigned URL's is the body's
     * or, as the SDKs presign, {@code UNSIGNED-PAYLOAD}.
     *
     * <p>A body passed on unread (null in the request) has no hash of its own here: what stands for it is the hash
     * vouched for by whoever checks the body after this ({@code streamedBodyHash}), and with nothing vouching only
     * {@code UNSIGNED-PAYLOAD} can verify.
     */
    private static List<String> payloadHashes(SignedRequest request, Signature signature, Refusals refusals,
            String streamedBodyHash) {
        boolean streamed = request.body() == null;
        String declared = request.header("x-amz-content-sha256");
        if (declared != null) {
            if (!declared.equals(UNSIGNED_PAYLOAD)) {
                String actual = streamed ? streamedBodyHash : HEX.formatHex(sha256(request.body()));
                if (actual == null || !actual.equalsIgnoreCase(declared)) {
                    throw refusals.contentMismatch(streamed);
                }
            }
            return List.of(declared);
        }
        if (streamed) {
            List<String> hashes = new ArrayList<>(2);
            if (streamedBodyHash != null) {
                hashes.add(streamedBodyHash);
            }
            if (signature.presigned()) {
                hashes.add(UNSIGNED_PAYLOAD);
            }
            return hashes;
        }
        String body = HEX.formatHex(sha256(request.body()));
        return signature.presigned() ? List.of(body, UNSIGNED_PAYLOAD) : List.of(body);
    }

    static String canonicalRequest(SignedRequest request, Signature signature, String payloadHash) {
        StringBuilder canonical = new StringBuilder(512);
        canonical.append(request.method()).append('\n');
        canonical.append(canonicalPath(request.rawPath())).append('\n');
        canonical.append(canonicalQuery(request.rawQuery(), signature.presigned())).append('\n');
        for (String name : signature.signedHeaders()) {
            canonical.append(name).append(':').append(canonicalHeaderValue(request.headers().get(name))).append('\n');
        }
        canonical.append('\n').append(String.join(";", signature.signedHeaders())).append('\n').append(payloadHash);
        return canonical.toString();
    }

    /** Services other than S3 sign the path as sent, encoded once more (the SDKs' "double encoding"). */
    private static String canonicalPath(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        return encode(rawPath, false);
    }

    private static String canonicalQuery(String rawQuery, boolean presigned) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = QueryParameters.decodeComponent(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : QueryParameters.decodeComponent(pair.substring(equals + 1));
            if (presigned && name.equals("X-Amz-Signature")) {
                continue;
            }
            pairs.add(new String[] {encode(name, true), encode(value, true)});
        }
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder query = new StringBuilder();
        for (String[] pair : pairs) {
            if (query.length() > 0) {
                query.append('&');
            }
            query.append(pair[0]).append('=').append(pair[1]);
        }
        return query.toString();
    }

    private static String canonicalHeaderValue(List<String> values) {
        if (values == null) {
            return "";
        }
        StringBuilder joined = new StringBuilder();
        for (String value : values) {
            if (joined.length() > 0) {
                joined.append(',');
            }
            // Trimmed, with each run of spaces inside one space (SigV4's canonical header value).
            String trimmed = value.trim();
            boolean space = false;
            for (int i = 0; i < trimmed.length(); i++) {
                char c = trimmed.charAt(i);
                if (Character.isWhitespace(c)) {
                    space = true;
                } else {
                    if (space) {
                        joined.append(' ');
                        space = false;
                    }
                    joined.append(c);
                }
            }
        }
        return joined.toString();
    }

    /** RFC 3986 encoding as SigV4 defines it: only A–Z a–z 0–9 - _ . ~ stay as they are ('/' too in a path). */
    static String encode(String value, boolean encodeSlash) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || (c == '/' && !encodeSlash)) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** The signature's parts, null when the request carries none, or the refusal of parts that cannot be read. */
    private static Signature parse(SignedRequest request) {
        // Unreadable parts are refused alike by EC2 and STS (IncompleteSignature).
        Refusals refusals = Refusals.EC2;
        String authorization = request.header("authorization");
        if (authorization != null) {
            return parseHeader(authorization, request, refusals);
        }
        Map<String, String> query = presignedParameters(request.rawQuery());
        if (query.containsKey("X-Amz-Algorithm") || query.containsKey("X-Amz-Signature") || query.containsKey("X-Amz-Credential")) {
            return parsePresigned(query, refusals);
        }
        return null;
    }

    private static Signature parseHeader(String authorization, SignedRequest request, Refusals refusals) {
        if (!authorization.startsWith(ALGORITHM + " ")) {
            throw refusals.incomplete("Only AWS Signature Version 4 (" + ALGORITHM + ") is accepted.");
        }
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : authorization.substring(ALGORITHM.length() + 1).split(",")) {
            String trimmed = part.trim();
            int equals = trimmed.indexOf('=');
            if (equals > 0) {
                parts.put(trimmed.substring(0, equals), trimmed.substring(equals + 1));
            }
        }
        for (String required : List.of("Credential", "SignedHeaders", "Signature")) {
            if (!parts.containsKey(required)) {
                throw refusals.incomplete("Authorization header requires '" + required + "' parameter. Authorization="
                        + ALGORITHM + " …");
            }
        }
        String amzDate = request.header("x-amz-date");
        if (amzDate == null) {
            throw refusals.incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
        return signature(parts.get("Credential"), parts.get("SignedHeaders"), parts.get("Signature"), amzDate, false, 0,
                refusals);
    }

    private static Signature parsePresigned(Map<String, String> query, Refusals refusals) {
        for (String required : List.of("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders",
                "X-Amz-Signature")) {
            if (!query.containsKey(required)) {
                throw refusals.incomplete("AWS query-string parameters must include '" + required + "'.");
            }
        }
        if (!ALGORITHM.equals(query.get("X-Amz-Algorithm"))) {
            throw refusals.incomplete("X-Amz-Algorithm must be " + ALGORITHM + ".");
        }
        long expires;
        try {
            expires = Long.parseLong(query.getOrDefault("X-Amz-Expires", "900"));
        } catch (NumberFormatException e) {
            throw refusals.incomplete("X-Amz-Expires must be a number of seconds.");
        }
        return signature(query.get("X-Amz-Credential"), query.get("X-Amz-SignedHeaders"), query.get("X-Amz-Signature"),
                query.get("X-Amz-Date"), true, expires, refusals);
    }

    private static Signature signature(String credential, String signedHeaders, String signature, String amzDate,
            boolean presigned, long expires, Refusals refusals) {
        String[] scope = credential.split("/");
        if (scope.length != 5 || !scope[4].equals("aws4_request") || scope[0].isEmpty()) {
            throw refusals.incomplete("Credential must have the form <access key ID>/<date>/<region>/<service>/aws4_request.");
        }
        List<String> headers = List.of(signedHeaders.toLowerCase().split(";"));
        if (!headers.contains("host")) {
            throw refusals.incomplete("The host header must be signed.");
        }
        if (!isLowerHex(signature, 64)) {
            throw refusals.incomplete("The signature must be 64 lower-case hexadecimal digits.");
        }
        return new Signature(scope[0], scope[1], scope[2], scope[3], headers, signature, amzDate, presigned, expires);
    }

    private static boolean isLowerHex(String text, int length) {
        if (text.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> presignedParameters(String rawQuery) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (rawQuery == null || !rawQuery.contains("X-Amz-")) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && pair.startsWith("X-Amz-")) {
                parameters.put(pair.substring(0, equals), QueryParameters.decodeComponent(pair.substring(equals + 1)));
            }
        }
        return parameters;
    }

    private byte[] signingKey(AccessKey key, Signature signature) {
        String cacheKey = key.accessKeyId() + '/' + signature.date() + '/' + signature.region() + '/' + signature.service()
                + '/' + key.secretAccessKey().hashCode();
        byte[] cached = signingKeys.get(cacheKey);
        if (cached == null) {
            byte[] dateKey = hmac(("AWS4" + key.secretAccessKey()).getBytes(StandardCharsets.UTF_8), signature.date());
            byte[] regionKey = hmac(dateKey, signature.region());
            byte[] serviceKey = hmac(regionKey, signature.service());
            cached = hmac(serviceKey, "aws4_request");
            if (signingKeys.size() > 10_000) {
                signingKeys.clear();
            }
            signingKeys.put(cacheKey, cached);
        }
        return cached;
    }

    private static byte[] hmac(byte[] key, String data) {
        return HMAC.get().sign(key, data.getBytes(StandardCharsets.UTF_8));
    }

    /** A thread's HMAC-SHA256 and the key it holds (compared by identity: signing keys are cached, never changed). */
    private static final class KeyedMac {
        private final Mac mac;
        private byte[] key;

        KeyedMac() {
            try {
                mac = Mac.getInstance("HmacSHA256");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        byte[] sign(byte[] key, byte[] data) {
            if (key != this.key) {
                try {
                    mac.init(new SecretKeySpec(key, "HmacSHA256"));
                } catch (GeneralSecurityException e) {
                    this.key = null;
                    throw new IllegalStateException(e);
                }
                this.key = key;
            }
            // doFinal leaves the MAC initialised with the same key, ready for the next message.
            return mac.doFinal(data);
        }
    }

    static byte[] sha256(byte[] data) {
        return SHA256.get().digest(data == null ? new byte[0] : data);
    }
}
