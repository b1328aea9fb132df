package dev.imageregistry.registry.queries;

import java.util.regex.Pattern;

import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * One value of an EC2 filter, read as EC2 reads it: {@code *} matches any run of characters (also none),
 * {@code ?} exactly one, and a backslash makes the next character literal ({@code \*}, {@code \?},
 * {@code \\}); a backslash at the very end is itself. Wildcards work anywhere in the value. The same value is
 * offered as a SQL LIKE pattern (backslash as LIKE's escape), as the literal it stands for when it has no
 * wildcard (so that keyed columns can be matched with an index), and as a Java matcher for values that are
 * not stored in a column (constants such as {@code Hypervisor}).
 */
public final class FilterValue {
    public static final int MAX_LENGTH = 255;

    private final String like;
    private final String literal;
    private final Pattern regex;

    private FilterValue(String like, String literal, Pattern regex) {
        this.like = like;
        this.literal = literal;
        this.regex = regex;
    }

    public static FilterValue of(String value) {
        if (value == null || value.length() > MAX_LENGTH) {
            throw Ec2Exception.invalidParameter("Filter values must be 1 to " + MAX_LENGTH + " characters.");
        }
        StringBuilder like = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        StringBuilder regex = new StringBuilder();
        boolean wildcard = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                c = value.charAt(++i);
            } else if (c == '*' || c == '?') {
                wildcard = true;
                like.append(c == '*' ? '%' : '_');
                regex.append(c == '*' ? "(?s:.*)" : "(?s:.)");
                continue;
            }
            if (c == '%' || c == '_' || c == '\\') {
                like.append('\\');
            }
            like.append(c);
            literal.append(c);
            regex.append(Pattern.quote(String.valueOf(c)));
        }
        return new FilterValue(like.toString(), wildcard ? null : literal.toString(), Pattern.compile(regex.toString()));
    }

    /** The SQL LIKE pattern (default escape character: backslash). */
    public String like() {
        return like;
    }

    /** The exact string this value stands for, or null when it has a wildcard. */
    public String literal() {
        return literal;
    }

    public boolean hasWildcard() {
        return literal == null;
    }

    /** Whether {@code text} matches this value (case-sensitive, the whole text), as LIKE would in SQL. */
    public boolean matches(String text) {
        return text != null && regex.matcher(text).matches();
    }
}
