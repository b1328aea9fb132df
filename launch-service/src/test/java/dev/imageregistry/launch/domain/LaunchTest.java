package dev.imageregistry.launch.domain;

import static dev.imageregistry.infra.testing.Decisions.refusalOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.launch.domain.RunInstancesRequest.TagSpecification;

/**
 * RunInstances' own rules, without a server: which requests become a launch (and of how many instances, of what
 * type, with which tags and user data) and which are refused with EC2's code. The limit is the service's
 * {@code launch.max-instances-per-request}.
 */
class LaunchTest {
    private static final String IMAGE = "ami-0123456789abcdef0";
    private static final int LIMIT = 20;

    @Test
    void theImageIdIsRequiredAndOfEightOrSeventeenHexDigits() {
        assertEquals("MissingParameter", refused(null));
        assertEquals("MissingParameter", refused(request(null, 1, 1)));
        assertEquals("MissingParameter", refused(request("", 1, 1)));
        assertEquals("ami-1a2b3c4d", Launch.of(request("ami-1a2b3c4d", 1, 1), LIMIT).imageId());
        assertEquals(IMAGE, Launch.of(request(IMAGE, 1, 1), LIMIT).imageId());
        for (String malformed : List.of("ami-123", "ami-1a2b3c4", "ami-1a2b3c4d5", "ami-0123456789abcdef",
                "ami-1A2B3C4D", "snap-1a2b3c4d", "i-1a2b3c4d", "ami-1a2b3c4g", "snap-0123456789abcdef0")) {
            assertEquals("InvalidAMIID.Malformed", refused(request(malformed, 1, 1)), malformed);
        }
        assertEquals("Invalid id: \"ami-123\"", refusalOf(() -> Launch.of(request("ami-123", 1, 1), LIMIT))
                .getMessage());
    }

    @Test
    void asManyInstancesAsAllowedBetweenMinCountAndMaxCount() {
        assertEquals(1, Launch.of(request(IMAGE, null, null), LIMIT).count());
        assertEquals(3, Launch.of(request(IMAGE, 3, null), LIMIT).count());
        assertEquals(3, Launch.of(request(IMAGE, 2, 3), LIMIT).count());
        assertEquals(LIMIT, Launch.of(request(IMAGE, 1, 25), LIMIT).count(), "MaxCount above the limit launches that many");
        assertEquals(LIMIT, Launch.of(request(IMAGE, LIMIT, LIMIT), LIMIT).count());
        assertEquals("InvalidParameterValue", refused(request(IMAGE, 0, 1)));
        assertEquals("InvalidParameterValue", refused(request(IMAGE, 3, 2)));
        assertEquals("InstanceLimitExceeded", refused(request(IMAGE, 21, 30)));
    }

    @Test
    void instanceTypesHaveEc2sShape() {
        assertEquals("m1.small", Launch.of(request(IMAGE, 1, 1), LIMIT).instanceType(), "the default");
        for (String type : List.of("t3.micro", "m5.24xlarge", "c7gn.metal", "u-6tb1.metal", "t4g.nano")) {
            assertEquals(type, Launch.of(typed(type), LIMIT).instanceType());
        }
        for (String type : List.of("huge", "t3", "T3.micro", "t3.giant", "3t.micro", "m5.123xlarge", "")) {
            assertEquals("InvalidParameterValue", refused(typed(type)), type);
        }
    }

    @Test
    void userDataIsBase64AndAtMost16KiBBeforeEncoding() {
        String limit = Base64.getEncoder().encodeToString(new byte[16 * 1024]);
        assertEquals(limit, Launch.of(withUserData(limit), LIMIT).userData());
        assertNull(Launch.of(withUserData(null), LIMIT).userData());
        assertEquals("aGVs\nbG8=", Launch.of(withUserData("aGVs\nbG8="), LIMIT).userData(), "line breaks are allowed");
        assertEquals("InvalidParameterValue",
                refused(withUserData(Base64.getEncoder().encodeToString(new byte[16 * 1024 + 1]))));
        assertEquals("InvalidParameterValue", refused(withUserData("not base64 at all!")));
    }

    @Test
    void instanceTagsAreKeptInOrderAndVolumeTagsAccepted() {
        Launch launch = Launch.of(tagged(new TagSpecification("instance", List.of(tag("team", "images"),
                tag("env", null))), new TagSpecification("volume", List.of(tag("backup", "daily")))), LIMIT);
        assertEquals(List.of(tag("team", "images"), tag("env", "")), launch.tags(), "a missing value is empty");
        assertEquals(List.of(), Launch.of(request(IMAGE, 1, 1), LIMIT).tags());
        assertEquals(List.of(), Launch.of(tagged(new TagSpecification("instance", null)), LIMIT).tags());
    }

    @Test
    void tagSpecificationsFollowEc2sRestrictions() {
        assertEquals("MissingParameter", refused(tagged(new TagSpecification(null, List.of(tag("k", "v"))))));
        assertEquals("MissingParameter", refused(tagged((TagSpecification) null)));
        assertEquals("InvalidParameterValue", refused(tagged(new TagSpecification("image", List.of(tag("k", "v"))))));
        for (Tag bad : List.of(tag("aws:reserved", "x"), tag("", "x"), tag(null, "x"), tag("k".repeat(129), "x"),
                tag("k", "v".repeat(257)))) {
            assertEquals("InvalidParameterValue", refused(tagged(new TagSpecification("instance", List.of(bad)))),
                    String.valueOf(bad));
        }
        assertEquals("InvalidParameterValue", refused(tagged(new TagSpecification("instance",
                List.of(tag("k", "1"), tag("k", "2"))))), "a key named twice");
        List<Tag> fiftyOne = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            fiftyOne.add(tag("k" + i, "v"));
        }
        assertEquals("InvalidParameterValue", refused(tagged(new TagSpecification("instance", fiftyOne))));
        assertEquals(50, Launch.of(tagged(new TagSpecification("instance", fiftyOne.subList(0, 50))), LIMIT)
                .tags().size());
    }

    private static String refused(RunInstancesRequest request) {
        return refusalOf(() -> Launch.of(request, LIMIT)).code();
    }

    private static RunInstancesRequest request(String imageId, Integer min, Integer max) {
        return new RunInstancesRequest(imageId, min, max, null, null, null, null);
    }

    private static RunInstancesRequest typed(String instanceType) {
        return new RunInstancesRequest(IMAGE, 1, 1, instanceType, null, null, null);
    }

    private static RunInstancesRequest withUserData(String userData) {
        return new RunInstancesRequest(IMAGE, 1, 1, "t3.micro", null, null, userData);
    }

    private static RunInstancesRequest tagged(TagSpecification... specifications) {
        return new RunInstancesRequest(IMAGE, 1, 1, "t3.micro", null, java.util.Arrays.asList(specifications), null);
    }

    private static Tag tag(String key, String value) {
        return new Tag(key, value);
    }
}
