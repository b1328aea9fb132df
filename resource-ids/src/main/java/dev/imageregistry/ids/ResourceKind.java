package dev.imageregistry.ids;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The kinds of EC2 resource this system names, each with its ID prefix and the error code EC2 answers a malformed
 * ID of that kind with. EC2's IDs are the prefix and 17 hex digits, or 8 for resources made before 2016: both are
 * well formed, but this system only issues the 17-digit shape (the only one its event contracts allow), so a
 * well-formed 8-digit ID names nothing here, in any Region.
 */
public enum ResourceKind {
    IMAGE("ami", "InvalidAMIID.Malformed"),
    SNAPSHOT("snap", "InvalidSnapshotID.Malformed"),
    INSTANCE("i", "InvalidInstanceID.Malformed"),
    VOLUME("vol", "InvalidVolumeID.Malformed"),
    RESERVATION("r", "InvalidReservationID.Malformed");

    private static final int SHOWN = 80;

    private final String prefix;
    private final String malformedCode;
    private final Pattern wellFormed;
    private final Pattern issued;

    ResourceKind(String prefix, String malformedCode) {
        this.prefix = prefix;
        this.malformedCode = malformedCode;
        this.wellFormed = Pattern.compile(prefix + "-(?:[0-9a-f]{8}|[0-9a-f]{17})");
        this.issued = Pattern.compile(prefix + "-[0-9a-f]{17}");
    }

    public String prefix() {
        return prefix;
    }

    /** Any ID EC2 accepts as this kind's: a malformed one is refused, a well-formed one may name nothing. */
    public boolean isWellFormed(String id) {
        return id != null && wellFormed.matcher(id).matches();
    }

    /** The IDs this system issues (17 hex digits). */
    public boolean isIssued(String id) {
        return id != null && issued.matcher(id).matches();
    }

    /**
     * A new ID. Unique is all it must be (2^68 values): {@link java.security.SecureRandom} sits behind one
     * process-wide lock, which queued request threads under load, so each thread draws from its own generator.
     */
    public String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return String.format("%s-%016x%x", prefix, random.nextLong(), random.nextInt(16));
    }

    /** EC2's error code for a malformed ID of this kind ({@code InvalidAMIID.Malformed}, ...). */
    public String malformedCode() {
        return malformedCode;
    }

    /** EC2's message for a malformed ID (the ID echoed printable and at most 80 characters long). */
    public String malformedMessage(String id) {
        return "Invalid id: \"" + printable(id) + "\"";
    }

    static String printable(String id) {
        if (id == null) {
            return "";
        }
        String shown = id.length() > SHOWN ? id.substring(0, SHOWN) + "..." : id;
        StringBuilder printable = new StringBuilder(shown.length());
        shown.codePoints().forEach(c -> printable.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return printable.toString();
    }
}
