package dev.nightshift.ingest;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Ingest's arrows run one way: a source's specifics (todoist, github, linear) above the ways in (webhook, the task
 * API, reconciliation, schedules), those above the run caps, and those above publishing, routing and the ledger
 * look-up. An exception belongs to the package that throws it ({@code publish.RetryLater}), never to the one that
 * answers it.
 */
@AnalyzeClasses(packages = "dev.nightshift.ingest", importOptions = ImportOption.DoNotIncludeTests.class)
class IngestArchitectureTest {

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("dev.nightshift.ingest.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("todoist").definedBy("dev.nightshift.ingest.todoist..")
            .layer("github").definedBy("dev.nightshift.ingest.github..")
            .layer("linear").definedBy("dev.nightshift.ingest.linear..")
            .layer("ways in").definedBy("dev.nightshift.ingest.webhook..", "dev.nightshift.ingest.api..",
                    "dev.nightshift.ingest.reconcile..", "dev.nightshift.ingest.schedule..")
            .layer("caps").definedBy("dev.nightshift.ingest.limit..")
            .layer("core").definedBy("dev.nightshift.ingest.publish..", "dev.nightshift.ingest.routing..",
                    "dev.nightshift.ingest.ledger..")
            // a source's specifics are its own: no other package, another source neither, names one
            .whereLayer("todoist").mayNotBeAccessedByAnyLayer()
            .whereLayer("github").mayNotBeAccessedByAnyLayer()
            .whereLayer("linear").mayNotBeAccessedByAnyLayer()
            .whereLayer("ways in").mayOnlyBeAccessedByLayers("todoist", "github", "linear")
            .whereLayer("caps").mayOnlyBeAccessedByLayers("ways in")
            // a new package has to take a place here: the application and its settings are the only ones outside
            .ensureAllClassesAreContainedInArchitectureIgnoring("dev.nightshift.ingest");

    @ArchTest
    static final ArchRule applicationAndSettingsDependOnNoFeature = noClasses()
            .that().resideInAPackage("dev.nightshift.ingest")
            .should().dependOnClassesThat().resideInAPackage("dev.nightshift.ingest.*..");

    @ArchTest
    static final ArchRule nothingImportsTheApplication = noClasses()
            .that().doNotBelongToAnyOf(IngestApplication.class)
            .should().dependOnClassesThat().belongToAnyOf(IngestApplication.class);
}
