package dev.imageregistry.platform.operators;

/**
 * Operator calls ({@code /admin/…}: read-model rebuilds, garbage collection) are for the people who run a Region,
 * never for an account: a rebuild takes its read model's exclusive lock, so a tenant allowed to call it could stall
 * every other tenant's writes. The identity provider grants the role as a group of the bearer token ({@code groups}
 * claim, or the claim {@code smallrye.jwt.path.groups} names); an account's token never carries it, and an operator's
 * token names no account, so neither can act as the other.
 *
 * <p>Every resource under {@code /admin} is annotated {@code @RolesAllowed(OperatorRole.NAME)}; the services'
 * conventions test calls each {@code /admin} path of the OpenAPI document as an account and expects
 * {@code 403 UnauthorizedOperation}, so a new operator call that forgets it fails the build.
 */
public final class OperatorRole {
    public static final String NAME = "operator";
    public static final String PATH_PREFIX = "/admin/";

    private OperatorRole() {
    }

    public static boolean isOperatorPath(String path) {
        return path != null && (path.startsWith(PATH_PREFIX) || path.equals("/admin"));
    }
}
