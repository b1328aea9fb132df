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

    /** One of a request's TagSpecifications (the AWS CLI's JSON shape): the resource type and its tags. */
    public interface Specification {
        String resourceType();

        List<? extends KeyValue> tags();
    }

    private TagRules() {
    }

    /**
     * The tags a request's TagSpecifications give the one resource type an action creates ({@code snapshot} for
     * CreateSnapshot and CopySnapshot), checked as CreateTags' (a key named twice keeps its last value); a tag given
     * without a value gets an empty one, as on EC2. None when no specification is given; another resource type is
     * refused as EC2 refuses it.
     */
    public static Map<String, String> specified(List<? extends Specification> specifications, String resourceType) {
        List<KeyValue> given = new java.util.ArrayList<>();
        if (specifications == null) {
            return Map.of();
        }
        for (Specification specification : specifications) {
            if (specification == null || specification.resourceType() == null) {
                throw Ec2Exception.missingParameter("TagSpecification.ResourceType");
            }
            if (!resourceType.equals(specification.resourceType())) {
                String type = specification.resourceType();
                throw Ec2Exception.invalidParameter("'" + (type.length() > 64 ? type.substring(0, 64) + "..." : type)
                        + "' is not a valid taggable resource type for this operation.");
            }
            if (specification.tags() != null) {
                for (KeyValue tag : specification.tags()) {
                    if (tag == null) {
                        throw Ec2Exception.missingParameter("Tag.Key");
                    }
                    given.add(tag.value() != null ? tag : new Given(tag.key(), ""));
                }
            }
        }
        return given.isEmpty() ? Map.of() : toSet(given);
    }

    private record Given(String key, String value) implements KeyValue {
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
