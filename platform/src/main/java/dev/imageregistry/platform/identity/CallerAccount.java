package dev.imageregistry.platform.identity;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * The account a request is made as, taken from its verified bearer token (the {@code account} claim, or the
 * subject). Never from the request body: an owner sent by a client is not trusted.
 */
@RequestScoped
public class CallerAccount {
    public static final String ACCOUNT_PATTERN = "\\d{12}";

    @Inject
    JsonWebToken token;

    public String id() {
        String account = token.getClaim("account");
        if (account == null) {
            account = token.getSubject();
        }
        if (account == null || !account.matches(ACCOUNT_PATTERN)) {
            throw Ec2Exception.authFailure("The bearer token does not name a 12-digit account.");
        }
        return account;
    }
}
