package dev.imageregistry.gateway.images;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.imageregistry.gateway.ec2.Wildcards;

/**
 * Operator-configured account aliases ({@code amazon=137112412989}): EC2 takes an alias wherever it takes an owner
 * ({@code Owner.N}, the {@code owner-alias} filter) and shows it as {@code imageOwnerAlias}.
 */
@ApplicationScoped
public class AccountAliases {
    /** Aliases EC2 itself knows: an owner named so that this registry has not configured matches no image. */
    static final List<String> EC2_ALIASES = List.of("amazon", "aws-marketplace", "aws-backup-vault");

    private final Map<String, String> accountByAlias = new LinkedHashMap<>();
    private final Map<String, String> aliasByAccount = new LinkedHashMap<>();

    public AccountAliases(@ConfigProperty(name = "gateway.account-aliases") java.util.Optional<String> configured) {
        for (String entry : configured.orElse("").split(",")) {
            String trimmed = entry.trim();
            int equals = trimmed.indexOf('=');
            if (equals > 0) {
                String alias = trimmed.substring(0, equals).trim();
                String account = trimmed.substring(equals + 1).trim();
                if (!account.matches("\\d{12}")) {
                    throw new IllegalArgumentException("gateway.account-aliases: " + alias + " must name a 12-digit account");
                }
                accountByAlias.put(alias, account);
                aliasByAccount.putIfAbsent(account, alias);
            }
        }
    }

    /** The account an alias names, or null. */
    public String account(String alias) {
        return accountByAlias.get(alias);
    }

    public String aliasOf(String account) {
        return aliasByAccount.get(account);
    }

    public boolean isKnownEc2Alias(String owner) {
        return EC2_ALIASES.contains(owner);
    }

    /**
     * Owners as EC2 takes them ({@code self}, account IDs, aliases) with configured aliases replaced by their accounts;
     * EC2's own aliases that nobody configured name no account here and are left out (so they match nothing).
     */
    public List<String> owners(Iterable<String> owners) {
        List<String> resolved = new java.util.ArrayList<>();
        for (String owner : owners) {
            String account = account(owner);
            if (account != null) {
                resolved.add(account);
            } else if (!isKnownEc2Alias(owner)) {
                resolved.add(owner);
            }
        }
        return resolved;
    }

    /** The accounts whose alias matches one of EC2's filter patterns ({@code *} and {@code ?}). */
    public List<String> accountsMatching(Iterable<String> patterns) {
        List<String> accounts = new java.util.ArrayList<>();
        for (String pattern : patterns) {
            Pattern regex = Pattern.compile(Wildcards.regex(pattern));
            accountByAlias.forEach((alias, account) -> {
                if (regex.matcher(alias).matches() && !accounts.contains(account)) {
                    accounts.add(account);
                }
            });
        }
        return accounts;
    }
}
