package dev.imageregistry.platform.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.function.Supplier;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * EC2's client tokens: a mutating call retried with the same token and the same parameters returns the first
 * result and changes nothing; the same token with other parameters is IdempotentParameterMismatch.
 *
 * <p>The token is claimed with an insert before the work runs, in the caller's transaction: a concurrent retry
 * waits on that row until the first commits, then reads its result, so the work never runs twice.
 */
@ApplicationScoped
public class ClientTokens {
    public static final int MAX_LENGTH = 64;

    private final DataSource dataSource;
    private final ObjectMapper json;

    public ClientTokens(DataSource dataSource, ObjectMapper json) {
        this.dataSource = dataSource;
        this.json = json;
    }

    /**
     * Runs {@code work} once per (account, action, token). {@code request} is what identifies the parameters:
     * anything Jackson can write.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public <T> T once(String account, String action, String token, Object request, Class<T> resultType,
            Supplier<T> work) {
        if (token == null) {
            return work.get();
        }
        if (token.isEmpty() || token.length() > MAX_LENGTH) {
            throw Ec2Exception.invalidParameter("ClientToken must be 1 to " + MAX_LENGTH + " characters.");
        }
        String requestHash = hash(request);
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement claim = connection.prepareStatement("insert into client_token "
                    + "(account, action, token, request_hash, response) values (?, ?, ?, ?, '') on conflict do nothing")) {
                claim.setString(1, account);
                claim.setString(2, action);
                claim.setString(3, token);
                claim.setString(4, requestHash);
                if (claim.executeUpdate() == 1) {
                    T result = work.get();
                    try (PreparedStatement store = connection.prepareStatement("update client_token set response = ? "
                            + "where account = ? and action = ? and token = ?")) {
                        store.setString(1, json.writeValueAsString(result));
                        store.setString(2, account);
                        store.setString(3, action);
                        store.setString(4, token);
                        store.executeUpdate();
                    }
                    return result;
                }
            }
            try (PreparedStatement earlier = connection.prepareStatement("select request_hash, response from client_token "
                    + "where account = ? and action = ? and token = ?")) {
                earlier.setString(1, account);
                earlier.setString(2, action);
                earlier.setString(3, token);
                try (ResultSet rs = earlier.executeQuery()) {
                    rs.next();
                    if (!rs.getString(1).equals(requestHash)) {
                        throw Ec2Exception.idempotentMismatch();
                    }
                    return json.readValue(rs.getString(2), resultType);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("client token store failed", e);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("client token result not serializable", e);
        }
    }

    private String hash(Object request) {
        try {
            byte[] bytes = json.writeValueAsString(request).getBytes(StandardCharsets.UTF_8);
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
