package dev.imageregistry.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.imageregistry.deploy.AppliedManifests.Document;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every applied document against its API schema: the Kubernetes and prometheus-operator kinds through fabric8's
 * typed model, Strimzi's through Strimzi's own api classes, CloudNativePG's through the JSON Schemas in
 * src/test/resources. The typed models keep unknown fields aside instead of failing, so the test walks the
 * whole object for them, and reads the object back to catch values the model only accepted by coercion.
 */
class ApiSchemaTest {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");

    /** String fields the API server restricts to a set of values, which the typed model keeps as free strings. */
    private static final Map<String, Set<String>> ENUMS = Map.of(
            "imagePullPolicy", Set.of("Always", "IfNotPresent", "Never"),
            "protocol", Set.of("TCP", "UDP", "SCTP"),
            "whenUnsatisfiable", Set.of("DoNotSchedule", "ScheduleAnyway"),
            "podManagementPolicy", Set.of("OrderedReady", "Parallel"),
            "policyTypes", Set.of("Ingress", "Egress"),
            "accessModes", Set.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"),
            "operator", Set.of("In", "NotIn", "Exists", "DoesNotExist"),
            "pathType", Set.of("Exact", "Prefix", "ImplementationSpecific"));

    @TestFactory
    Stream<DynamicTest> everyAppliedDocumentMatchesItsSchema() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String directory : AppliedManifests.directories()) {
            for (Document document : AppliedManifests.read(directory)) {
                tests.add(DynamicTest.dynamicTest(document.where(), () -> validate(document)));
            }
        }
        assertTrue(tests.size() > 50, "too few documents rendered: " + tests.size());
        return tests.stream();
    }

    /** The same for an installation with a Region in another cluster: external listener, KafkaUsers, peer Secrets. */
    @TestFactory
    Stream<DynamicTest> aCrossClusterInstallationMatchesTheSchemasToo() throws IOException {
        java.nio.file.Path rendered = AppliedManifests.renderCrossCluster().resolve("rendered");
        List<DynamicTest> tests = new ArrayList<>();
        for (String directory : AppliedManifests.directories(rendered)) {
            for (Document document : AppliedManifests.read(rendered, directory)) {
                tests.add(DynamicTest.dynamicTest("cross-cluster " + document.where(), () -> validate(document)));
            }
        }
        assertTrue(tests.stream().anyMatch(t -> t.getDisplayName().contains("KafkaUser")), "KafkaUsers rendered");
        assertTrue(tests.stream().anyMatch(t -> t.getDisplayName().contains("Ingress " + BlockStore.EXTERNAL)),
                "the blocks' Ingress rendered");
        return tests.stream();
    }

    private void validate(Document document) throws IOException {
        if (document.typed() instanceof GenericKubernetesResource) {
            List<String> errors = cloudNativePg(document.kind()).validate(document.tree()).stream()
                    .map(ValidationMessage::getMessage).toList();
            assertEquals(List.of(), errors, document.where());
        } else {
            List<String> unknown = new ArrayList<>();
            unknownFields(document.typed(), document.kind(), unknown, new IdentityHashMap<>());
            assertEquals(List.of(), unknown, document.where() + ": fields the schema does not have");
            JsonNode back = Rendering.prune(AppliedManifests.JSON.valueToTree(document.typed()));
            if (back instanceof ObjectNode object && document.tree().path("apiVersion").asText().startsWith("kafka.strimzi.io/")) {
                // Strimzi's api classes name their newest modelled version; the version itself is checked by KINDS.
                object.set("apiVersion", document.tree().get("apiVersion"));
            }
            assertEquals(null, difference(document.tree(), back, ""),
                    document.where() + ": the schema reads it differently from what is written");
        }
        metadata(document);
        enums(document.tree(), document.where());
    }

    /** The first path where the two trees differ (numbers compared by value), or null. */
    static String difference(JsonNode written, JsonNode read, String path) {
        if (written.isNumber() && read.isNumber()) {
            return written.decimalValue().compareTo(read.decimalValue()) == 0 ? null : path + ": " + written + " read as " + read;
        }
        if (written.getNodeType() != read.getNodeType()) {
            return path + ": " + written + " read as " + read;
        }
        if (written.isObject()) {
            var names = new java.util.TreeSet<String>();
            written.fieldNames().forEachRemaining(names::add);
            read.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String d = difference(written.path(name), read.path(name), path + "." + name);
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (written.isArray()) {
            if (written.size() != read.size()) {
                return path + ": " + written.size() + " items read as " + read.size();
            }
            for (int i = 0; i < written.size(); i++) {
                String d = difference(written.get(i), read.get(i), path + "[" + i + "]");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return written.equals(read) ? null : path + ": " + written + " read as " + read;
    }

    private static JsonSchema cloudNativePg(String kind) throws IOException {
        try (InputStream schema = ApiSchemaTest.class.getResourceAsStream("/cloudnative-pg/" + kind + ".schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema);
        }
    }

    /** additionalProperties of any model object below {@code value} are fields its schema does not declare. */
    private static void unknownFields(Object value, String path, List<String> unknown, Map<Object, Object> seen) {
        if (value == null || seen.put(value, value) != null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, unknown, seen));
            return;
        }
        if (value instanceof Quantity quantity) {
            try {
                Quantity.getAmountInBytes(quantity);
            } catch (RuntimeException e) {
                unknown.add(path + " is not a quantity: " + quantity);
            }
            return;
        }
        String pkg = value.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8.kubernetes.api.model") && !pkg.startsWith("io.fabric8.openshift.api.model")
                && !pkg.startsWith("io.strimzi.api")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
                continue;
            }
            unknownFields(child, path + "." + getter.getName().substring(3), unknown, seen);
        }
    }

    private static void metadata(Document document) {
        JsonNode metadata = document.tree().path("metadata");
        String name = metadata.path("name").asText();
        boolean label = Set.of("Namespace", "Service").contains(document.kind());
        assertTrue((label ? DNS_LABEL : DNS_SUBDOMAIN).matcher(name).matches() && name.length() <= (label ? 63 : 253),
                document.where() + ": invalid name");
        if (!document.kind().equals("Namespace")) {
            assertTrue(DNS_LABEL.matcher(metadata.path("namespace").asText()).matches(), document.where() + ": namespace missing");
        }
        List<JsonNode> labelMaps = new ArrayList<>();
        document.tree().findParents("matchLabels").forEach(p -> labelMaps.add(p.get("matchLabels")));
        document.tree().findParents("labels").forEach(p -> labelMaps.add(p.get("labels")));
        for (JsonNode labels : labelMaps) {
            if (!labels.isObject()) {
                continue;
            }
            labels.fields().forEachRemaining(e -> {
                assertTrue(LABEL_KEY.matcher(e.getKey()).matches(), document.where() + ": label key " + e.getKey());
                assertTrue(e.getValue().isTextual() && LABEL_VALUE.matcher(e.getValue().asText()).matches()
                        && e.getValue().asText().length() <= 63, document.where() + ": label value " + e.getValue());
            });
        }
    }

    private static void enums(JsonNode node, String where) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                Set<String> allowed = ENUMS.get(field.getKey());
                JsonNode value = field.getValue();
                if (allowed != null && !where.contains("ServiceMonitor")) {
                    List<JsonNode> values = new ArrayList<>();
                    if (value.isArray()) {
                        value.forEach(values::add);
                    } else {
                        values.add(value);
                    }
                    for (JsonNode v : values) {
                        if (!allowed.contains(v.asText())) {
                            fail(where + ": " + field.getKey() + " " + v + " is not one of " + allowed);
                        }
                    }
                }
                enums(value, where);
            });
        } else if (node.isArray()) {
            node.forEach(item -> enums(item, where));
        }
    }
}
