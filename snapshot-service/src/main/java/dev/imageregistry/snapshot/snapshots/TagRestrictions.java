package dev.imageregistry.snapshot.snapshots;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.snapshots.SnapshotEvent.Tag;

/** EC2's rules for CreateTags and DeleteTags, as the registry applies them to images. */
final class TagRestrictions {
    static final int MAX_TAGS = 50;

    private TagRestrictions() {
    }

    /** CreateTags' Tags: 1 to 50, each with a key and a value; a key named twice keeps its last value. */
    static Map<String, String> toSet(List<Tag> tags) {
        if (tags == null || tags.isEmpty()) {
            throw Ec2Exception.missingParameter("Tags");
        }
        if (tags.size() > MAX_TAGS) {
            throw limitExceeded();
        }
        Map<String, String> set = new LinkedHashMap<>();
        for (Tag tag : tags) {
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
    static void checkToDelete(List<Tag> tags) {
        for (Tag tag : tags) {
            checkKey(tag);
            if (tag.value() != null) {
                checkValue(tag.value());
            }
        }
    }

    static Ec2Exception limitExceeded() {
        return Ec2Exception.badRequest("TagLimitExceeded",
                "The maximum number of tags (" + MAX_TAGS + ") for a snapshot would be exceeded.");
    }

    private static void checkKey(Tag tag) {
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
