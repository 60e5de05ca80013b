package dev.nightshift.dispatch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Dispatch's arrows run one way, from the top: intake and the engine (one above the other, never both ways), the
 * ledger, spend and publishing beneath the engine; the run beneath it, then the model gateway, budgets, the agent
 * adapters, the sandbox and egress. Nothing below the engine names it.
 */
@AnalyzeClasses(packages = "dev.nightshift.dispatch", importOptions = ImportOption.DoNotIncludeTests.class)
class DispatchArchitectureTest {

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("dev.nightshift.dispatch.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("intake").definedBy("dev.nightshift.dispatch.intake..")
            .layer("engine").definedBy("dev.nightshift.dispatch.engine..")
            .layer("ledger").definedBy("dev.nightshift.dispatch.ledger..")
            .layer("spend").definedBy("dev.nightshift.dispatch.spend..")
            .layer("publish").definedBy("dev.nightshift.dispatch.publish..")
            .layer("run").definedBy("dev.nightshift.dispatch.run..")
            .layer("gateway").definedBy("dev.nightshift.dispatch.gateway..")
            .layer("budget").definedBy("dev.nightshift.dispatch.budget..")
            .layer("agent").definedBy("dev.nightshift.dispatch.agent..")
            .layer("sandbox").definedBy("dev.nightshift.dispatch.sandbox..")
            .layer("egress").definedBy("dev.nightshift.dispatch.egress..")
            .whereLayer("intake").mayOnlyBeAccessedByLayers("engine")
            .whereLayer("engine").mayOnlyBeAccessedByLayers("intake")
            // the spend ledger keeps its own records: it reads no task ledger
            .whereLayer("ledger").mayOnlyBeAccessedByLayers("intake", "engine")
            .whereLayer("spend").mayOnlyBeAccessedByLayers("intake", "engine")
            .whereLayer("publish").mayOnlyBeAccessedByLayers("intake", "engine")
            .whereLayer("run").mayOnlyBeAccessedByLayers("intake", "engine")
            .whereLayer("gateway").mayOnlyBeAccessedByLayers("intake", "engine", "run")
            .whereLayer("budget").mayOnlyBeAccessedByLayers("intake", "engine", "run", "gateway")
            // an agent adapter names no gateway, budget or sandbox: they know agents' words, not the reverse
            .whereLayer("agent").mayOnlyBeAccessedByLayers("intake", "engine", "run", "gateway", "budget")
            .whereLayer("sandbox").mayOnlyBeAccessedByLayers("intake", "engine", "run", "gateway", "budget")
            .whereLayer("egress").mayOnlyBeAccessedByLayers("intake", "engine", "run", "gateway", "budget", "sandbox")
            // a new package has to take a place here: the application and its settings are the only ones outside
            .ensureAllClassesAreContainedInArchitectureIgnoring("dev.nightshift.dispatch");

    @ArchTest
    static final ArchRule nothingImportsTheApplication = noClasses()
            .that().doNotBelongToAnyOf(DispatchApplication.class)
            .should().dependOnClassesThat().belongToAnyOf(DispatchApplication.class);
}
