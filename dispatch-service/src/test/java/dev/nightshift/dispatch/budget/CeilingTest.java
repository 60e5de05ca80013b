package dev.nightshift.dispatch.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.events.AgentSpec;
import dev.nightshift.events.Budget;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.WorkerSpec;
import org.junit.jupiter.api.Test;

class CeilingTest {

    private final Ceiling ceiling = new Ceiling(new DispatchProperties.Ceiling(List.of("claude"), List.of("Read", "Write"), Duration.ofHours(1), 3,
            List.of(DispatchProperties.NetworkMode.values()), null, 5.0, 1.0, null));

    @Test
    void allowsWhatIsWithinTheLimits() {
        assertThat(ceiling.refusal(worker("claude", List.of("Read"), Duration.ofMinutes(10)))).isEmpty();
    }

    @Test
    void refusesAnAdapterItDoesNotRun() {
        assertThat(ceiling.refusal(worker("aider", List.of(), Duration.ofMinutes(1))))
                .hasValueSatisfying(r -> assertThat(r).contains("aider").contains("nightshift.dispatch.ceiling.adapters"));
    }

    @Test
    void refusesAToolBeyondTheCeiling() {
        assertThat(ceiling.refusal(worker("claude", List.of("Read", "Bash(rm:*)"), Duration.ofMinutes(1))))
                .hasValueSatisfying(r -> assertThat(r).contains("Bash(rm:*)").contains("allowed-tools"));
    }

    @Test
    void refusesALongerBudgetThanTheCeiling() {
        assertThat(ceiling.refusal(worker("claude", List.of(), Duration.ofHours(2))))
                .hasValueSatisfying(r -> assertThat(r).contains("max-wall-time"));
    }

    @Test
    void aWildcardAllowsAnyTool() {
        Ceiling open = new Ceiling(new DispatchProperties.Ceiling(List.of("claude"), List.of("*"), Duration.ofHours(1), 3,
            List.of(DispatchProperties.NetworkMode.values()), null, 5.0, 1.0, null));
        assertThat(open.refusal(worker("claude", List.of("Bash(anything:*)"), Duration.ofMinutes(1)))).isEmpty();
    }

    @Test
    void refusesLimitsThatAreNotPositive() {
        assertThat(ceiling.refusal(worker("claude", List.of(), Duration.ofMillis(-1))))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo("wall time must be positive"));
        WorkerSpec endless = worker("claude", List.of(), Duration.ofMinutes(1));
        endless.getBudget().setMaxTurns(-1);
        assertThat(ceiling.refusal(endless)).hasValueSatisfying(r -> assertThat(r).isEqualTo("max turns -1 must be positive"));
        WorkerSpec free = worker("claude", List.of(), Duration.ofMinutes(1));
        free.getBudget().setMaxCostUsd(-1.0);
        assertThat(ceiling.refusal(free)).hasValueSatisfying(r -> assertThat(r).contains("max cost $-1.0 is outside (0, 5.0]"));
        WorkerSpec none = worker("claude", List.of(), Duration.ofMinutes(1));
        none.getBudget().setMaxAttempts(0);
        assertThat(ceiling.refusal(none)).hasValueSatisfying(r -> assertThat(r).contains("0 attempts are outside 1..3"));
    }

    @Test
    void aCeilingWithoutAPositiveWallTimeOrOutputDoesNotStart() {
        assertThatThrownBy(() -> new DispatchProperties.Ceiling(List.of("claude"), List.of("*"), Duration.ZERO, 3,
                List.of(), null, 5.0, 1.0, null)).hasMessage("nightshift.dispatch.ceiling.max-wall-time must be positive, is PT0S");
        assertThatThrownBy(() -> new DispatchProperties.Ceiling(List.of("claude"), List.of("*"), Duration.ofHours(1), 3,
                List.of(), null, 5.0, 1.0, org.springframework.util.unit.DataSize.ofBytes(-1)))
                .hasMessage("nightshift.dispatch.ceiling.max-output must be positive, is -1B");
    }

    @Test
    void refusesMoreAttemptsThanTheCeiling() {
        WorkerSpec greedy = worker("claude", List.of(), Duration.ofMinutes(1));
        greedy.getBudget().setMaxAttempts(5);
        assertThat(ceiling.refusal(greedy)).hasValueSatisfying(r -> assertThat(r).contains("nightshift.dispatch.ceiling.max-attempts"));
    }

    @Test
    void refusesACostBudgetAboveTheCeilingAndGivesTheDefaultToWorkersWithout() {
        WorkerSpec dear = worker("claude", List.of(), Duration.ofMinutes(1));
        dear.getBudget().setMaxCostUsd(50.0);
        assertThat(ceiling.refusal(dear)).hasValueSatisfying(r -> assertThat(r).contains("nightshift.dispatch.ceiling.max-cost-usd"));
        WorkerSpec modest = worker("claude", List.of(), Duration.ofMinutes(1));
        modest.getBudget().setMaxCostUsd(0.5);
        assertThat(ceiling.refusal(modest)).isEmpty();
        assertThat(ceiling.costBudget(modest)).isEqualTo(0.5);
        assertThat(ceiling.costBudget(worker("claude", List.of(), Duration.ofMinutes(1)))).isEqualTo(1.0);
    }

    private static WorkerSpec worker(String adapter, List<String> tools, Duration wallTime) {
        return WorkerSpec.newBuilder()
                .setName("w")
                .setAgent(AgentSpec.newBuilder().setAdapter(adapter).setAllowedTools(tools).build())
                .setBudget(Budget.newBuilder().setWallTimeMillis(wallTime.toMillis()).build())
                .setOutputs(OutputSinks.of(List.of()))
                .build();
    }
}
