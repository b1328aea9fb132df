package dev.imageregistry.platform.input;

import java.io.IOException;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import io.quarkus.jackson.ObjectMapperCustomizer;

/**
 * JSON bodies hold no text a database column cannot store (see {@link StorableText}): every string a request body
 * is read into, as a record's field or inside a {@code JsonNode}, is checked as it is read, and a NUL refuses the
 * request with EC2's {@code InvalidParameterValue} naming the field.
 */
@Singleton
public class StorableTextJson implements ObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("storable-text").addDeserializer(String.class, new CheckedStrings()));
        mapper.setNodeFactory(new CheckedNodes());
    }

    private static final class CheckedStrings extends StringDeserializer {
        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String value = super.deserialize(parser, context);
            StorableText.check(parser.currentName(), value);
            return value;
        }
    }

    private static final class CheckedNodes extends JsonNodeFactory {
        @Override
        public TextNode textNode(String text) {
            StorableText.check(null, text);
            return super.textNode(text);
        }
    }
}
