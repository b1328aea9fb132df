package dev.imageregistry.platform.tags;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * EC2's rules for CreateTags and DeleteTags, one copy for every service that tags its resources after creation
 * (snapshots, instances): keys of 1–128 characters not starting with {@code aws:}, values of at most 256, at most 50
 * tags on a resource.
 */
public final class TagRules {
    public static final int MAX_TAGS = 50;

    /** A tag as a service's events carry it. */
    public interface KeyValue {
        String key();

        String value();
    }

    private TagRules() {
    }

    /** CreateTags' Tags: 1 to 50, each with a key and a value; a key named twice keeps its last value. */
    public static Map<String, String> toSet(List<? extends KeyValue> tags) {
        if (tags == null || tags.isEmpty()) {
            throw Ec2Exception.missingParameter("Tags");
        }
        if (tags.size() > MAX_TAGS) {
            throw limitExceeded("a resource");
        }
        Map<String, String> set = new LinkedHashMap<>();
        for (KeyValue tag : tags) {
            checkKey(tag);
            if (tag.value() == null) {
                throw Ec2Exception.missingParameter("Tag.Value");
            }
            checkValue(tag.value());
            set.put(tag.key(), tag.value());
        }
        return set;
    }

    /** DeleteTags' Tags: keys, each with an optional value that must then match. */
    public static void checkToDelete(List<? extends KeyValue> tags) {
        for (KeyValue tag : tags) {
            checkKey(tag);
            if (tag.value() != null) {
                checkValue(tag.value());
            }
        }
    }

    /**
     * The keys DeleteTags removes from a resource carrying {@code tags}: all of them when none is named; a named key
     * only when the resource has it and, if a value is named too, that value (as on EC2). Each key once, in the
     * order named. Does not check the names (see {@link #checkToDelete}).
     */
    public static List<String> keysToRemove(Map<String, String> tags, List<? extends KeyValue> named) {
        if (named == null || named.isEmpty()) {
            return List.copyOf(tags.keySet());
        }
        List<String> keys = new java.util.ArrayList<>();
        for (KeyValue tag : named) {
            String current = tags.get(tag.key());
            if (current != null && (tag.value() == null || tag.value().equals(current)) && !keys.contains(tag.key())) {
                keys.add(tag.key());
            }
        }
        return keys;
    }

    /** {@code resource}: what the message names, "a snapshot", "an instance". */
    public static Ec2Exception limitExceeded(String resource) {
        return Ec2Exception.badRequest("TagLimitExceeded",
                "The maximum number of tags (" + MAX_TAGS + ") for " + resource + " would be exceeded.");
    }

    private static void checkKey(KeyValue tag) {
        if (tag == null || tag.key() == null || tag.key().isEmpty() || characters(tag.key()) > 128) {
            throw Ec2Exception.invalidParameter("Tag keys must be 1 to 128 characters.");
        }
        if (tag.key().toLowerCase(Locale.ROOT).startsWith("aws:")) {
            throw Ec2Exception.invalidParameter("Tag keys starting with 'aws:' are reserved for internal use.");
        }
    }

    private static void checkValue(String value) {
        if (characters(value) > 256) {
            throw Ec2Exception.invalidParameter("Tag values must be at most 256 characters.");
        }
    }

    /** Unicode characters, as EC2 and the schemas count them (not UTF-16 units). */
    private static int characters(String text) {
        return text.codePointCount(0, text.length());
    }
}
