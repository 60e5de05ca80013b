package dev.nightshift.report;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Report's arrows run one way: each target's specifics (todoist, github, linear, airtable) above output hygiene,
 * hygiene above the sink machinery, that above the write log; a target's faults ({@code target.TargetFault}) and
 * inert Markdown ({@code markdown}) below them all. Hygiene learns the sinks' secrets from their settings
 * ({@code hygiene.SecretSettings}), not by naming the sinks.
 */
@AnalyzeClasses(packages = "dev.nightshift.report", importOptions = ImportOption.DoNotIncludeTests.class)
class ReportArchitectureTest {

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("dev.nightshift.report.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("todoist").definedBy("dev.nightshift.report.todoist..")
            .layer("github").definedBy("dev.nightshift.report.github..")
            .layer("linear").definedBy("dev.nightshift.report.linear..")
            .layer("airtable").definedBy("dev.nightshift.report.airtable..")
            .layer("hygiene").definedBy("dev.nightshift.report.hygiene..")
            .layer("sink").definedBy("dev.nightshift.report.sink..")
            .layer("writes").definedBy("dev.nightshift.report.writes..")
            .layer("target faults").definedBy("dev.nightshift.report.target..")
            .layer("markdown").definedBy("dev.nightshift.report.markdown..")
            // a target's specifics are its own: no other package, another target neither, names one
            .whereLayer("todoist").mayNotBeAccessedByAnyLayer()
            .whereLayer("github").mayNotBeAccessedByAnyLayer()
            .whereLayer("linear").mayNotBeAccessedByAnyLayer()
            .whereLayer("airtable").mayNotBeAccessedByAnyLayer()
            .whereLayer("hygiene").mayOnlyBeAccessedByLayers("todoist", "github", "linear", "airtable")
            .whereLayer("sink").mayOnlyBeAccessedByLayers("hygiene", "todoist", "github", "linear", "airtable")
            .whereLayer("writes").mayOnlyBeAccessedByLayers("sink", "todoist", "github", "linear", "airtable")
            // a new package has to take a place here: the application and its settings are the only ones outside
            .ensureAllClassesAreContainedInArchitectureIgnoring("dev.nightshift.report");

    @ArchTest
    static final ArchRule applicationAndSettingsDependOnNoFeature = noClasses()
            .that().resideInAPackage("dev.nightshift.report")
            .should().dependOnClassesThat().resideInAPackage("dev.nightshift.report.*..");

    @ArchTest
    static final ArchRule nothingImportsTheApplication = noClasses()
            .that().doNotBelongToAnyOf(ReportApplication.class)
            .should().dependOnClassesThat().belongToAnyOf(ReportApplication.class);
}
