package dev.imageregistry.gateway.ec2;

import java.util.regex.Pattern;

/** EC2's filter patterns: {@code *} any run of characters, {@code ?} one, {@code \} escapes either. */
public final class Wildcards {
    private Wildcards() {
    }

    public static String regex(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                regex.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
            } else if (c == '*') {
                regex.append(".*");
            } else if (c == '?') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }
}
