package dev.imageregistry.gateway.signature;

/** An access key an operator issued: its ID, its secret, the account it acts for and the user it names. */
public record AccessKey(String accessKeyId, String secretAccessKey, String account, String userName) {
    @Override
    public String toString() {
        // Never print the secret, whoever logs this.
        return "AccessKey[" + accessKeyId + " of " + account + "]";
    }
}
