package dev.imageregistry.platform.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imageregistry.platform.errors.Ec2Exception;

/** Text a database column cannot hold is refused as it is read, whatever shape the body is read into. */
class StorableTextTest {
    record Tag(String Key, String Value) {
    }

    record Registration(String Name, List<Tag> Tags) {
    }

    final ObjectMapper json = mapper();

    static ObjectMapper mapper() {
        ObjectMapper mapper = new ObjectMapper();
        new StorableTextJson().customize(mapper);
        return mapper;
    }

    @Test
    void aNulInARecordsFieldIsRefusedNamingTheField() {
        Ec2Exception refused = refusal(() -> json.readValue("{\"Name\":\"web\\u0000\"}", Registration.class));
        assertEquals("InvalidParameterValue", refused.code());
        assertEquals(400, refused.status());
        assertTrue(refused.getMessage().contains("the parameter Name"), refused.getMessage());
        assertTrue(refusal(() -> json.readValue("{\"Name\":\"web\",\"Tags\":[{\"Key\":\"a\",\"Value\":\"\\u0000\"}]}",
                Registration.class)).getMessage().contains("Value"));
    }

    @Test
    void aNulInsideATreeIsRefusedToo() {
        assertEquals("InvalidParameterValue", refusal(() -> json.readTree("{\"a\":[{\"b\":\"x\\u0000y\"}]}")).code());
    }

    @Test
    void anEscapedBackslashBeforeU0000IsOrdinaryText() throws Exception {
        assertEquals("web\\u0000", json.readValue("{\"Name\":\"web\\\\u0000\"}", Registration.class).Name());
        assertEquals("right-to-left \u202e text, emoji \ud83d\ude00",
                json.readTree("{\"a\":\"right-to-left \\u202e text, emoji \\ud83d\\ude00\"}").path("a").asText());
    }

    @Test
    void theRuleItself() {
        assertTrue(StorableText.storable(null));
        assertTrue(StorableText.storable(""));
        assertEquals("InvalidParameterValue", assertThrows(Ec2Exception.class, () -> StorableText.check("Owner", "\0")).code());
    }

    interface Read {
        Object read() throws Exception;
    }

    /** The refusal, whether Jackson passes it on as it is or wrapped (as the services' exception mappers see it). */
    private static Ec2Exception refusal(Read read) {
        Exception thrown = assertThrows(Exception.class, read::read);
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof Ec2Exception refused) {
                return refused;
            }
        }
        throw new AssertionError("not refused as EC2 would: " + thrown);
    }
}
