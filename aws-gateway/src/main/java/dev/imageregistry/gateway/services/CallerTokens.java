package dev.imageregistry.gateway.services;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.jwt.build.Jwt;
import io.vertx.core.http.HttpHeaders;

/**
 * The bearer tokens the gateway sends to the services as the verified account: signed with the identity provider's
 * key the services trust, short-lived, and reused for a few minutes (an RSA signature per request would cost more
 * than the rest of the gateway's work; the services likewise verify a token once). The {@code Authorization} value is
 * kept whole and already in the HTTP client's byte form ({@code AsciiString}), so a call neither concatenates the
 * 600-character token into a new string nor encodes it again.
 */
@ApplicationScoped
public class CallerTokens {
    private static final Duration LIFETIME = Duration.ofMinutes(15);
    private static final long REUSE_MILLIS = Duration.ofMinutes(10).toMillis();

    private record Minted(CharSequence authorization, long reusableUntil) {
    }

    private final ConcurrentHashMap<String, Minted> minted = new ConcurrentHashMap<>();

    /** {@code Bearer <token>} for the account, for the {@code Authorization} header of a call to a service. */
    public CharSequence authorization(String account) {
        return minted(account).authorization();
    }

    private Minted minted(String account) {
        long now = System.currentTimeMillis();
        Minted earlier = minted.get(account);
        if (earlier != null && now < earlier.reusableUntil()) {
            return earlier;
        }
        // admitted_by: the services do not count this call against the account's limits again (this gateway did).
        String token = Jwt.subject(account).upn(account).claim("account", account).claim("admitted_by", "aws-gateway")
                .expiresIn(LIFETIME).sign();
        if (minted.size() > 100_000) {
            minted.clear();
        }
        Minted fresh = new Minted(HttpHeaders.createOptimized("Bearer " + token), now + REUSE_MILLIS);
        minted.put(account, fresh);
        return fresh;
    }
}
