package dev.nightshift.ingest.routing;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.convert.DurationStyle;

/**
 * The catalogue file's shape, as Jackson reads it (kebab-case keys). Kept apart from {@link Worker} so
 * the domain records stay free of parsing; {@link WorkerYaml#toWorker()} validates as it converts.
 */
record CatalogueYaml(List<CatalogueYaml.WorkerYaml> workers) {

    record WorkerYaml(String name, TriggerYaml trigger, String goal, AgentYaml agent, BudgetYaml budget, OutputsYaml outputs) {
        Worker toWorker() {
            if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                throw new IllegalArgumentException("name must be lower-case letters, digits and dashes (got '" + name + "')");
            }
            if (trigger == null || trigger.todoist() == null || blank(trigger.todoist().project())) {
                throw new IllegalArgumentException("trigger.todoist.project is required (a Todoist project id or name)");
            }
            if (blank(goal)) {
                throw new IllegalArgumentException("goal is required");
            }
            PromptTemplate template;
            try {
                template = new PromptTemplate(goal);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("goal: " + e.getMessage());
            }
            if (agent == null || blank(agent.adapter())) {
                throw new IllegalArgumentException("agent.adapter is required (e.g. claude)");
            }
            if (budget == null || blank(budget.wallTime())) {
                throw new IllegalArgumentException("budget.wall-time is required (e.g. 15m)");
            }
            Duration wallTime;
            try {
                wallTime = DurationStyle.detectAndParse(budget.wallTime());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("budget.wall-time '" + budget.wallTime() + "' is not a duration (e.g. 90s, 15m, 1h)");
            }
            if (wallTime.isNegative() || wallTime.isZero()) {
                throw new IllegalArgumentException("budget.wall-time must be positive");
            }
            if (budget.maxTurns() != null && budget.maxTurns() < 1) {
                throw new IllegalArgumentException("budget.max-turns must be at least 1");
            }
            if (budget.maxCostUsd() != null && budget.maxCostUsd() <= 0) {
                throw new IllegalArgumentException("budget.max-cost-usd must be positive");
            }
            int maxAttempts = budget.maxAttempts() == null ? 3 : budget.maxAttempts();
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("budget.max-attempts must be at least 1");
            }
            if (outputs == null || outputs.todoist() == null) {
                throw new IllegalArgumentException("outputs.todoist is required: a Todoist-triggered worker reports back to Todoist");
            }
            TodoistOutputYaml t = outputs.todoist();
            return new Worker(name, new Trigger.TodoistProject(trigger.todoist().project()), template,
                    new Worker.Agent(agent.adapter(), agent.model(),
                            agent.allowedTools() == null ? List.of() : List.copyOf(agent.allowedTools()), agent.workdir()),
                    new Worker.Budget(wallTime, budget.maxTurns(), budget.maxCostUsd(), maxAttempts),
                    new Worker.Outputs(new Worker.TodoistOutput(t.comment() == null || t.comment(), t.doneLabel(), t.failedLabel())));
        }
    }

    record TriggerYaml(TodoistTriggerYaml todoist) {
    }

    record TodoistTriggerYaml(String project) {
    }

    record AgentYaml(String adapter, String model, List<String> allowedTools, String workdir) {
    }

    record BudgetYaml(String wallTime, Integer maxTurns, Double maxCostUsd, Integer maxAttempts) {
    }

    record OutputsYaml(TodoistOutputYaml todoist) {
    }

    record TodoistOutputYaml(Boolean comment, String doneLabel, String failedLabel) {
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
