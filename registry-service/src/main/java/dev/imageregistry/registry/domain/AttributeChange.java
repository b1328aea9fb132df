package dev.imageregistry.registry.domain;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * ModifyImageAttribute as {@link ImageParameters#attributeChange} read it: the new description (null: unchanged)
 * and the launch permissions to add and to remove, accounts and groups ({@code all}) apart. The order the caller
 * named them in is kept, so the events list them in that order.
 */
public record AttributeChange(String description, Set<String> addUsers, Set<String> addGroups,
        Set<String> removeUsers, Set<String> removeGroups) {

    public AttributeChange {
        addUsers = ordered(addUsers);
        addGroups = ordered(addGroups);
        removeUsers = ordered(removeUsers);
        removeGroups = ordered(removeGroups);
    }

    private static Set<String> ordered(Set<String> values) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(values));
    }
}
