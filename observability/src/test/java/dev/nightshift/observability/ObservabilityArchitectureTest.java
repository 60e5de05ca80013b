package dev.nightshift.observability;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Warm-up and management are parts the top-level health and tracing use; they name neither it nor each other both ways. */
@AnalyzeClasses(packages = "dev.nightshift.observability", importOptions = ImportOption.DoNotIncludeTests.class)
class ObservabilityArchitectureTest {

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("dev.nightshift.observability.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule partsNameNotTheTopLevel = noClasses()
            .that().resideInAPackage("dev.nightshift.observability.*..")
            .should().dependOnClassesThat().resideInAPackage("dev.nightshift.observability");
}
