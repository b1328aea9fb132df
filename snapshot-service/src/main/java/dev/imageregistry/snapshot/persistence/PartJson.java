package dev.imageregistry.snapshot.persistence;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;

import dev.imageregistry.platform.events.EventJson;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;

/** The jsonb columns of a snapshot's parts (copied or taken from a volume), kept until every part has arrived. */
final class PartJson {
    private static final TypeReference<List<MappedBlock>> BLOCKS = new TypeReference<>() {
    };

    private PartJson() {
    }

    static List<MappedBlock> blocks(String json) {
        try {
            return EventJson.MAPPER.readValue(json, BLOCKS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable block list in a snapshot part", e);
        }
    }

    static String write(Object value) {
        try {
            return EventJson.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
