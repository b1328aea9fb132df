package dev.imageregistry.gateway.wire;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.core.protocol.MarshallingType;

import dev.imageregistry.gateway.wire.WireShape.Member;

/**
 * Reads a Query-protocol request into a JSON tree keyed by the model's member names, following the model's
 * flattening rules for every action alike: a member is sent under its query name, a list as
 * {@code Name.1}, {@code Name.2} … and a structure's members as {@code Name.Member}
 * ({@code BlockDeviceMapping.1.Ebs.SnapshotId} becomes {@code BlockDeviceMappings[0].Ebs.SnapshotId}).
 * A parameter the model does not name for the action is refused ({@code UnknownParameter}), never ignored.
 */
public final class QueryReader {
    /** Parameters of the protocol itself (the action, the API version and a presigned request's signature). */
    private static final Set<String> PROTOCOL = Set.of("Action", "Version");

    private final Map<String, String> parameters;
    private final Set<String> read = new HashSet<>();

    private QueryReader(Map<String, String> parameters) {
        this.parameters = parameters;
    }

    public static ObjectNode read(Map<String, String> parameters, WireShape shape) {
        QueryReader reader = new QueryReader(parameters);
        ObjectNode input = reader.structure(shape, "");
        for (String name : parameters.keySet()) {
            if (!reader.read.contains(name) && !PROTOCOL.contains(name) && !name.startsWith("X-Amz-")) {
                throw AwsError.unknownParameter(name);
            }
        }
        return input;
    }

    private ObjectNode structure(WireShape shape, String prefix) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (Member member : shape.memberArray()) {
            String name = prefix + member.queryName();
            if (member.kind() == WireShape.Kind.LIST) {
                ArrayNode items = list(member, name);
                if (items != null) {
                    node.set(member.name(), items);
                }
            } else if (member.kind() == WireShape.Kind.STRUCTURE) {
                if (hasParametersUnder(name + ".")) {
                    node.set(member.name(), structure(member.structure(), name + "."));
                }
            } else {
                String value = parameters.get(name);
                if (value != null) {
                    read.add(name);
                    node.set(member.name(), scalar(member, name, value));
                }
            }
        }
        return node;
    }

    private ArrayNode list(Member list, String name) {
        Member member = list.item();
        TreeMap<Integer, String> positions = new TreeMap<>();
        String start = name + ".";
        for (String parameter : parameters.keySet()) {
            if (parameter.startsWith(start)) {
                int end = parameter.indexOf('.', start.length());
                String position = parameter.substring(start.length(), end < 0 ? parameter.length() : end);
                positions.put(position(parameter, position), position);
            }
        }
        if (positions.isEmpty()) {
            return null;
        }
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        for (String position : positions.values()) {
            String itemName = start + position;
            if (member.kind() == WireShape.Kind.STRUCTURE) {
                items.add(structure(member.structure(), itemName + "."));
            } else {
                String value = parameters.get(itemName);
                if (value != null) {
                    read.add(itemName);
                    items.add(scalar(member, itemName, value));
                }
            }
        }
        return items;
    }

    private static int position(String parameter, String position) {
        try {
            int n = Integer.parseInt(position);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw AwsError.unknownParameter(parameter);
    }

    private boolean hasParametersUnder(String prefix) {
        for (String parameter : parameters.keySet()) {
            if (parameter.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode scalar(Member member, String name, String value) {
        MarshallingType<?> type = member.type();
        JsonNodeFactory json = JsonNodeFactory.instance;
        try {
            if (type == MarshallingType.BOOLEAN) {
                if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                    throw invalid(name, value);
                }
                return json.booleanNode(Boolean.parseBoolean(value.toLowerCase()));
            } else if (type == MarshallingType.INTEGER) {
                return json.numberNode(Integer.parseInt(value.trim()));
            } else if (type == MarshallingType.LONG) {
                return json.numberNode(Long.parseLong(value.trim()));
            } else if (type == MarshallingType.DOUBLE || type == MarshallingType.FLOAT) {
                return json.numberNode(Double.parseDouble(value.trim()));
            }
            // Strings, timestamps (ISO 8601 on the Query wire) and blobs (base64) stay text for the service.
            return json.textNode(value);
        } catch (NumberFormatException e) {
            throw invalid(name, value);
        }
    }

    private static AwsError invalid(String name, String value) {
        String shown = value.length() > 64 ? value.substring(0, 64) + "…" : value;
        return AwsError.invalidParameterValue("Value (" + shown + ") for parameter " + name + " is invalid.");
    }

    /** The member paths present in an input ({@code BlockDeviceMappings.Ebs.SnapshotId}), to check them against what an action accepts. */
    public static List<String> memberPaths(ObjectNode input) {
        List<String> paths = new ArrayList<>();
        collect(input, "", paths);
        return paths;
    }

    private static void collect(JsonNode node, String prefix, List<String> paths) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                if (e.getValue().isContainerNode()) {
                    collect(e.getValue(), path, paths);
                    if (e.getValue().isArray() && !e.getValue().elements().hasNext()) {
                        paths.add(path);
                    }
                } else {
                    paths.add(path);
                }
            });
        } else if (node.isArray()) {
            node.forEach(item -> {
                if (item.isContainerNode()) {
                    collect(item, prefix, paths);
                } else if (!paths.contains(prefix)) {
                    paths.add(prefix);
                }
            });
        }
    }
}
