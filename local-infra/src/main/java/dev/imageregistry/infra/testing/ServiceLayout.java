package dev.imageregistry.infra.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import java.util.ArrayList;
import java.util.List;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;

/**
 * The one layout of every service (docs/architecture.md), as rules on its compiled classes. Under the service's
 * root package ({@code dev.imageregistry.<service>}):
 * <ul>
 * <li>{@code domain}: the aggregates, their events and the rules they decide; no framework, no SQL, no clock;
 * <li>{@code commands}: load → decide → append → project, in one transaction;
 * <li>{@code queries}: what callers read from the read models;
 * <li>{@code consumers}: one class per topic consumed, and the scheduled workers;
 * <li>{@code rest}: the JAX-RS resources, which call commands and queries and never SQL;
 * <li>{@code persistence}: the SQL of the service's tables and read models, and its objects in S3.
 * </ul>
 * A service may add packages for what only it talks to (the replicator's peer Regions): they sit beside
 * {@code persistence}. Nothing reaches upward: persistence knows no command, the domain knows nothing else.
 */
public final class ServiceLayout {
    public static final List<String> LAYERS = List.of("domain", "commands", "queries", "consumers", "rest",
            "persistence");

    private final String root;
    private final List<String> adapters;
    private final JavaClasses classes;

    private ServiceLayout(String root, List<String> adapters) {
        this.root = root;
        this.adapters = adapters;
        // The service's own classes only: scanning every jar on the classpath for the package took seconds, and
        // the rules need only the names of what the classes use, which their bytecode holds.
        this.classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages(root);
    }

    /** @param adapters the service's own packages beside persistence (none for most services) */
    public static ServiceLayout of(String root, List<String> adapters) {
        return new ServiceLayout(root, adapters);
    }

    public List<ArchRule> rules() {
        List<ArchRule> rules = new ArrayList<>();
        List<String> known = new ArrayList<>(LAYERS);
        known.addAll(adapters);
        rules.add(classes().should().resideInAnyPackage(known.stream().map(this::within).toArray(String[]::new))
                .because("every class has its place in the one layout (docs/architecture.md)"));
        rules.add(noClasses().that().resideInAPackage(within("domain")).should().dependOnClassesThat()
                .resideInAnyPackage("jakarta..", "javax..", "java.sql..", "io.quarkus..", "io.smallrye..",
                        "io.vertx..", "org.eclipse.microprofile..", "org.apache.kafka..", "io.minio..", "okhttp3..",
                        "io.agroal..", "org.jboss..", "dev.imageregistry.platform.outbox..",
                        "dev.imageregistry.platform.persistence..", "dev.imageregistry.platform.projection..")
                .because("an aggregate decides from its events alone: no framework, no SQL"));
        rules.add(noClasses().that().resideInAPackage(within("domain")).should().callMethod(java.time.Instant.class,
                "now").orShould().callMethod(System.class, "currentTimeMillis")
                .because("the time is passed in, so that a rule can be tested at any time"));
        rules.add(noClasses().that().resideInAPackage(within("rest")).should().dependOnClassesThat()
                .resideInAnyPackage("java.sql..", "javax.sql..", "io.agroal..", "dev.imageregistry.platform.persistence..",
                        "dev.imageregistry.platform.outbox..")
                .because("a resource calls a command or a query, never SQL"));
        rules.add(layers());
        return rules;
    }

    /** Checks every rule and reports all their violations at once (a relayout meets several). */
    public void check() {
        StringBuilder violations = new StringBuilder();
        for (ArchRule rule : rules()) {
            EvaluationResult result = rule.evaluate(classes);
            if (result.hasViolation()) {
                violations.append(result.getFailureReport()).append('\n');
            }
        }
        if (!violations.isEmpty()) {
            throw new AssertionError(violations.toString());
        }
    }

    private ArchRule layers() {
        LayeredArchitecture layered = layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("rest").definedBy(within("rest"))
                .layer("consumers").definedBy(within("consumers"))
                .layer("commands").definedBy(within("commands"))
                .layer("queries").definedBy(within("queries"))
                .layer("persistence").definedBy(persistenceLike())
                .layer("domain").definedBy(within("domain"))
                .whereLayer("rest").mayNotBeAccessedByAnyLayer()
                .whereLayer("consumers").mayNotBeAccessedByAnyLayer()
                .whereLayer("commands").mayOnlyBeAccessedByLayers("rest", "consumers")
                .whereLayer("queries").mayOnlyBeAccessedByLayers("rest", "consumers", "commands")
                .whereLayer("persistence").mayOnlyBeAccessedByLayers("consumers", "commands", "queries")
                .whereLayer("domain").mayOnlyBeAccessedByLayers("rest", "consumers", "commands", "queries",
                        "persistence");
        return layered.because("nothing reaches upward (docs/architecture.md)");
    }

    private String[] persistenceLike() {
        List<String> packages = new ArrayList<>();
        packages.add(within("persistence"));
        adapters.forEach(adapter -> packages.add(within(adapter)));
        return packages.toArray(String[]::new);
    }

    private String within(String layer) {
        return root + "." + layer + "..";
    }
}
