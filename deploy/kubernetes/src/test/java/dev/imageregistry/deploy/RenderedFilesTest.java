package dev.imageregistry.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What users apply (rendered/) must be exactly what regions.yaml renders: a hand edit of a rendered file, or a
 * regions.yaml change that was not rendered, fails here. Fix: ./mvnw -B -q -pl deploy/kubernetes compile exec:java
 */
class RenderedFilesTest {

    @Test
    void renderedFilesAreExactlyWhatRegionsYamlRenders() throws IOException {
        Map<String, String> expected = Rendering.render(AppliedManifests.MODULE);
        Map<String, String> committed = new TreeMap<>();
        try (Stream<Path> files = Files.walk(AppliedManifests.RENDERED)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                committed.put(AppliedManifests.RENDERED.relativize(file).toString().replace('\\', '/'), Files.readString(file));
            }
        }
        assertEquals(expected.keySet(), committed.keySet(), "rendered/ has other files than regions.yaml renders");
        expected.forEach((file, text) -> assertEquals(text, committed.get(file),
                "rendered/" + file + " differs from what regions.yaml renders; re-render, do not edit it by hand"));
    }

    @Test
    void aThirdRegionIsAFewLinesOfRegionsYaml() throws IOException {
        Path module = Files.createTempDirectory("third-region");
        Files.createDirectories(module.resolve("observability"));
        Files.copy(AppliedManifests.MODULE.resolve(Rendering.DASHBOARD), module.resolve(Rendering.DASHBOARD));
        String yaml = Files.readString(AppliedManifests.MODULE.resolve("regions.yaml"))
                + "  - name: ap-south-1\n    namespace: image-registry-ap-south-1\n";
        Files.writeString(module.resolve("regions.yaml"), yaml);
        Map<String, String> files = Rendering.render(module);
        long thirdRegionFiles = files.keySet().stream().filter(f -> f.startsWith("ap-south-1/")).count();
        assertEquals(files.keySet().stream().filter(f -> f.startsWith("us-east-1/")).count(), thirdRegionFiles);
        String replicator = files.get("us-east-1/10-config.yaml");
        assertEquals(true, replicator.contains("ap-south-1=events-kafka-bootstrap.image-registry-ap-south-1.svc:9092"),
                "the existing Regions' replicators learn the new Region");
    }
}
