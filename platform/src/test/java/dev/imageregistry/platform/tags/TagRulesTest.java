package dev.imageregistry.platform.tags;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.imageregistry.platform.errors.Ec2Exception;

/** TagSpecifications of an action that creates one resource type, as EC2 reads them. */
class TagRulesTest {
    record Tag(String key, String value) implements TagRules.KeyValue {
    }

    record Specification(String resourceType, List<Tag> tags) implements TagRules.Specification {
    }

    @Test
    void theResourcesTagsInOrderWithALaterValueWinningAndAMissingValueEmpty() {
        Map<String, String> tags = TagRules.specified(List.of(
                new Specification("snapshot", List.of(new Tag("stage", "a"), new Tag("team", null))),
                new Specification("snapshot", List.of(new Tag("stage", "b")))), "snapshot");

        assertEquals(List.of("stage=b", "team="), tags.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .toList());
    }

    @Test
    void noSpecificationOrNoTagsGiveNone() {
        assertEquals(Map.of(), TagRules.specified(null, "snapshot"));
        assertEquals(Map.of(), TagRules.specified(List.of(new Specification("snapshot", null)), "snapshot"));
    }

    @Test
    void anotherResourceTypeAMissingOneAMissingKeyAndTooManyTagsAreEC2sRefusals() {
        assertCode("InvalidParameterValue", List.of(new Specification("image", List.of(new Tag("k", "v")))));
        assertCode("MissingParameter", List.of(new Specification(null, List.of(new Tag("k", "v")))));
        assertCode("MissingParameter", List.of(new Specification("snapshot", Arrays.asList((Tag) null))));
        assertCode("InvalidParameterValue", List.of(new Specification("snapshot", List.of(new Tag("aws:x", "v")))));
        List<Tag> many = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            many.add(new Tag("k" + i, "v"));
        }
        assertCode("TagLimitExceeded", List.of(new Specification("snapshot", many)));
    }

    private static void assertCode(String code, List<Specification> specifications) {
        Ec2Exception refused = assertThrows(Ec2Exception.class, () -> TagRules.specified(specifications, "snapshot"));
        assertEquals(code, refused.code());
    }
}
