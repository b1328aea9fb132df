package dev.imageregistry.gateway.services;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.jwt.build.Jwt;

/**
 * The bearer tokens the gateway sends to the services as the verified account: signed with the identity provider's
 * key the services trust, short-lived, and reused for a few minutes (an RSA signature per request would cost more
 * than the rest of the gateway's work; the services likewise verify a token once).
 */
@ApplicationScoped
public class CallerTokens {
    private static final Duration LIFETIME = Duration.ofMinutes(15);
    private static final long REUSE_MILLIS = Duration.ofMinutes(10).toMillis();

    private record Minted(String token, long reusableUntil) {
    }

    private final ConcurrentHashMap<String, Minted> minted = new ConcurrentHashMap<>();

    public String forAccount(String account) {
        long now = System.currentTimeMillis();
        Minted earlier = minted.get(account);
        if (earlier != null && now < earlier.reusableUntil()) {
            return earlier.token();
        }
        String token = Jwt.subject(account).upn(account).claim("account", account).expiresIn(LIFETIME).sign();
        if (minted.size() > 100_000) {
            minted.clear();
        }
        minted.put(account, new Minted(token, now + REUSE_MILLIS));
        return token;
    }
}
