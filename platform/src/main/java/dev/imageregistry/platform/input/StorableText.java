package dev.imageregistry.platform.input;

import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * What text may reach a service's database. PostgreSQL's {@code text} cannot hold the NUL character (the JDBC driver
 * refuses the statement: "Zero bytes may not occur in string parameters"), so a NUL anywhere in a request's text —
 * query, path or JSON string — would fail deep in a command as a 500. It is refused at the door instead, for every
 * parameter of every service at once, before anything runs: EC2 names, descriptions, tags and IDs never contain it.
 */
public final class StorableText {
    private StorableText() {
    }

    public static boolean storable(String value) {
        return value == null || value.indexOf('\0') < 0;
    }

    /** Refuses {@code value} of the parameter {@code name} (EC2's parameter or field name) if it cannot be stored. */
    public static void check(String name, String value) {
        if (!storable(value)) {
            throw refusal(name);
        }
    }

    public static Ec2Exception refusal(String name) {
        String shown = name == null ? "a parameter" : "the parameter " + shownName(name);
        return Ec2Exception.invalidParameter("The value of " + shown + " contains a NUL character (U+0000), which no "
                + "EC2 parameter may contain.");
    }

    /** A caller's name echoed back: without the NUL itself and cut short. */
    private static String shownName(String name) {
        String cleaned = name.replace('\0', '?');
        return cleaned.length() > 64 ? cleaned.substring(0, 64) + "…" : cleaned;
    }
}
