package dev.imageregistry.platform.identity;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.SecretKey;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * Verifies a bearer token once, not on every request. A client uploading a snapshot sends the same token with
 * each of its 2048 block writes per GiB, and the RSA signature check was 13-18% of a service's CPU in profiles.
 *
 * <p>A verification is reused only for the exact same token string, never past the token's own expiry (so the
 * answer after {@code exp} is the underlying verifier's, exactly as without this cache) and never for longer
 * than {@code imageregistry.tokens.verified-for}; the cache is bounded, and simply starts over when full.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VerifiedTokens implements JWTParser {
    private static final int MAX_TOKENS = 10_000;

    private final DefaultJWTParser verifier;
    private final long reuseMillis;
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();

    private record Verified(JsonWebToken token, long reusableUntilMillis) {
    }

    public VerifiedTokens(DefaultJWTParser verifier,
            @ConfigProperty(name = "imageregistry.tokens.verified-for", defaultValue = "PT5M") java.time.Duration reuse) {
        this.verifier = verifier;
        this.reuseMillis = reuse.toMillis();
    }

    @Override
    public JsonWebToken parse(String bearerToken) throws ParseException {
        long now = System.currentTimeMillis();
        Verified earlier = verified.get(bearerToken);
        if (earlier != null && now < earlier.reusableUntilMillis()) {
            return earlier.token();
        }
        JsonWebToken token = verifier.parse(bearerToken);
        long expiresMillis = token.getExpirationTime() * 1000L;
        long reusableUntil = Math.min(now + reuseMillis, expiresMillis);
        if (reusableUntil > now) {
            if (verified.size() >= MAX_TOKENS) {
                verified.clear();
            }
            verified.put(bearerToken, new Verified(token, reusableUntil));
        }
        return token;
    }

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo context) throws ParseException {
        return verifier.parse(token, context);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return verifier.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return verifier.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return verifier.parseOnly(token);
    }
}
