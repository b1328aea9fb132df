package dev.imageregistry.gateway.signature;

/**
 * Who signed a request, once the signature checks out: the account and user of the access key, and the Region and
 * service the signature was scoped to (the Region a tool meant, whatever endpoint it was given).
 */
public record Caller(String accessKeyId, String account, String userName, String region, String service) {
    /** The caller's ARN as STS GetCallerIdentity shows it: the root of the account, or one of its IAM users. */
    public String arn() {
        return userName == null || userName.isBlank() ? "arn:aws:iam::" + account + ":root"
                : "arn:aws:iam::" + account + ":user/" + userName;
    }

    /** The unique ID STS shows: the account for its root, otherwise an ID derived from the access key. */
    public String userId() {
        return userName == null || userName.isBlank() ? account : "AIDA" + accessKeyId.substring(Math.min(4, accessKeyId.length()));
    }
}
