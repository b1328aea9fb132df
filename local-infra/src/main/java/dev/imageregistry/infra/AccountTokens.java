package dev.imageregistry.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import io.smallrye.jwt.build.Jwt;

/**
 * Mints the bearer tokens that name the calling account, as an identity provider would. Services only hold
 * the public key ({@link #publicKeyPem()}); tests and the local stack hold this.
 */
public final class AccountTokens {
    public static final String ISSUER = "https://image-registry.local/issuer";
    /** The group the services' {@code /admin} calls require (the platform's {@code OperatorRole.NAME}). */
    public static final String OPERATOR_GROUP = "operator";

    private final KeyPair keys;

    private AccountTokens(KeyPair keys) {
        this.keys = keys;
    }

    public static AccountTokens generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new AccountTokens(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same keys across restarts of the local stack, so tokens printed once keep working. */
    public static AccountTokens loadOrCreate(Path directory) {
        Path privateFile = directory.resolve("token-signing.key");
        Path publicFile = directory.resolve("token-verify.pub");
        try {
            if (Files.exists(privateFile) && Files.exists(publicFile)) {
                KeyFactory factory = KeyFactory.getInstance("RSA");
                PrivateKey privateKey = factory.generatePrivate(
                        new PKCS8EncodedKeySpec(Base64.getDecoder().decode(Files.readString(privateFile).trim())));
                PublicKey publicKey = factory.generatePublic(new X509EncodedKeySpec(pemBody(Files.readString(publicFile))));
                return new AccountTokens(new KeyPair(publicKey, privateKey));
            }
            AccountTokens created = generate();
            Files.createDirectories(directory);
            Files.writeString(privateFile, Base64.getEncoder().encodeToString(created.keys.getPrivate().getEncoded()));
            Files.writeString(publicFile, created.publicKeyPem());
            return created;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String publicKeyPem() {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPublic().getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    /** A token for {@code account} valid for {@code lifetime}. */
    public String token(String account, Duration lifetime) {
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER)
                .subject(account)
                .upn(account)
                .claim("account", account)
                .issuedAt(now)
                .expiresAt(now.plus(lifetime))
                .sign(keys.getPrivate());
    }

    public String token(String account) {
        return token(account, Duration.ofHours(12));
    }

    /**
     * A token as the AWS gateway mints it for an account whose request it has admitted by the account's limits
     * (claim {@code admitted_by}): the services do not count it against those limits again.
     */
    public String gatewayToken(String account) {
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER).subject(account).upn(account).claim("account", account)
                .claim("admitted_by", "aws-gateway").issuedAt(now).expiresAt(now.plus(Duration.ofHours(1)))
                .sign(keys.getPrivate());
    }

    /**
     * A token for an operator of the Region (the group {@code operator}): it may make the {@code /admin} calls and
     * names no account, so it cannot act as one.
     */
    public String operatorToken(String operator, Duration lifetime) {
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER)
                .subject(operator)
                .upn(operator)
                .groups(OPERATOR_GROUP)
                .issuedAt(now)
                .expiresAt(now.plus(lifetime))
                .sign(keys.getPrivate());
    }

    public String operatorToken() {
        return operatorToken("operator", Duration.ofHours(12));
    }

    /** A token that expired a while ago, to prove it is refused. */
    public String expiredToken(String account) {
        Instant past = Instant.now().minus(Duration.ofHours(2));
        return Jwt.issuer(ISSUER).subject(account).upn(account).claim("account", account)
                .issuedAt(past.minus(Duration.ofHours(1))).expiresAt(past).sign(keys.getPrivate());
    }

    private static byte[] pemBody(String pem) {
        return Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").trim());
    }
}
