package dev.imageregistry.gateway.wire;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.xml.XmlFactory;

import dev.imageregistry.gateway.wire.WireShape.Member;

/**
 * Writes answers and errors of the two XML Query protocols the gateway speaks, from a JSON tree keyed by the model's
 * member names: every element is named by the model ({@code imagesSet/item/imageState}), in the model's order, with
 * the writer of Jackson's XML data format doing the escaping. What the tree holds that the model does not name is
 * left out; what the model names that the tree lacks is absent, as in AWS's own answers.
 */
public enum XmlAnswer {
    /** EC2's dialect: {@code <ActionResponse><requestId/>members</ActionResponse>}, errors in {@code <Response><Errors>}. */
    EC2("http://ec2.amazonaws.com/doc/2016-11-15/"),
    /** The AWS Query protocol of STS: members inside {@code <ActionResult>}, then {@code <ResponseMetadata>}. */
    QUERY("https://sts.amazonaws.com/doc/2011-06-15/");

    private static final XMLOutputFactory OUTPUT = output();
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final String namespace;

    /** Jackson's StAX writer without namespace repairing: the answers declare their one default namespace themselves. */
    private static XMLOutputFactory output() {
        XMLOutputFactory factory = new XmlFactory().getXMLOutputFactory();
        factory.setProperty(XMLOutputFactory.IS_REPAIRING_NAMESPACES, false);
        return factory;
    }

    XmlAnswer(String namespace) {
        this.namespace = namespace;
    }

    public String namespace() {
        return namespace;
    }

    public byte[] answer(String action, WireShape shape, JsonNode members, String requestId) {
        return write(xml -> {
            xml.writeStartElement(action + "Response");
            xml.writeDefaultNamespace(namespace);
            if (this == EC2) {
                element(xml, "requestId", requestId);
                structure(xml, shape, members);
            } else {
                xml.writeStartElement(action + "Result");
                structure(xml, shape, members);
                xml.writeEndElement();
                xml.writeStartElement("ResponseMetadata");
                element(xml, "RequestId", requestId);
                xml.writeEndElement();
            }
            xml.writeEndElement();
        });
    }

    public byte[] error(AwsError error, String requestId) {
        return write(xml -> {
            if (this == EC2) {
                xml.writeStartElement("Response");
                xml.writeStartElement("Errors");
                xml.writeStartElement("Error");
                element(xml, "Code", error.code());
                element(xml, "Message", error.getMessage());
                xml.writeEndElement();
                xml.writeEndElement();
                element(xml, "RequestID", requestId);
            } else {
                xml.writeStartElement("ErrorResponse");
                xml.writeDefaultNamespace(namespace);
                xml.writeStartElement("Error");
                element(xml, "Type", error.status() >= 500 ? "Receiver" : "Sender");
                element(xml, "Code", error.code());
                element(xml, "Message", error.getMessage());
                xml.writeEndElement();
                element(xml, "RequestId", requestId);
            }
            xml.writeEndElement();
        });
    }

    private static void structure(XMLStreamWriter xml, WireShape shape, JsonNode members) throws XMLStreamException {
        if (members == null || !members.isObject()) {
            return;
        }
        for (Member member : shape.memberArray()) {
            JsonNode value = members.get(member.name());
            if (value == null || value.isNull()) {
                continue;
            }
            xml.writeStartElement(member.xmlName());
            value(xml, member, value);
            xml.writeEndElement();
        }
    }

    private static void value(XMLStreamWriter xml, Member member, JsonNode value) throws XMLStreamException {
        switch (member.kind()) {
            case LIST -> {
                Member item = member.item();
                for (JsonNode each : value.isArray() ? value : java.util.List.of(value)) {
                    xml.writeStartElement(item.xmlName());
                    value(xml, item, each);
                    xml.writeEndElement();
                }
            }
            case STRUCTURE -> structure(xml, member.structure(), value);
            case TIMESTAMP -> xml.writeCharacters(value.isTextual() ? TIMESTAMP.format(Instant.parse(value.asText()))
                    : value.asText());
            default -> xml.writeCharacters(xmlText(value.asText()));
        }
    }

    private static void element(XMLStreamWriter xml, String name, String text) throws XMLStreamException {
        xml.writeStartElement(name);
        xml.writeCharacters(text == null ? "" : xmlText(text));
        xml.writeEndElement();
    }

    /**
     * The text with every character XML 1.0 cannot carry (controls other than tab and line ends, a lone surrogate,
     * U+FFFE and U+FFFF) replaced by U+FFFD. A refusal may quote what a client sent, and a client may send anything:
     * the XML writer refuses such characters, and an answer that cannot be written is no answer at all.
     */
    static String xmlText(String text) {
        StringBuilder clean = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean allowed;
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (clean != null) {
                    clean.append(c).append(text.charAt(i + 1));
                }
                i++;
                continue;
            }
            allowed = c >= 0x20 ? !Character.isSurrogate(c) && c != 0xFFFE && c != 0xFFFF : c == '\t' || c == '\n' || c == '\r';
            if (!allowed && clean == null) {
                clean = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (clean != null) {
                clean.append(allowed ? c : '\uFFFD');
            }
        }
        return clean == null ? text : clean.toString();
    }

    private interface Body {
        void write(XMLStreamWriter xml) throws XMLStreamException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            XMLStreamWriter xml = OUTPUT.createXMLStreamWriter(out, "UTF-8");
            xml.writeStartDocument("UTF-8", "1.0");
            body.write(xml);
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("could not write an XML answer", e);
        }
        return out.toByteArray();
    }
}
