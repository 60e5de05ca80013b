package dev.nightshift.ingest.routing;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.unit.DataSize;

/**
 * The catalogue file's shape, as Jackson reads it (kebab-case keys). Kept apart from {@link Worker} so
 * the domain records stay free of parsing; {@link WorkerYaml#toWorker()} validates as it converts.
 */
record CatalogueYaml(List<CatalogueYaml.WorkerYaml> workers) {

    record WorkerYaml(String name, TriggerYaml trigger, String goal, AgentYaml agent, BudgetYaml budget, OutputsYaml outputs,
            SandboxYaml sandbox) {
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
                    new Worker.Outputs(new Worker.TodoistOutput(t.comment() == null || t.comment(), t.doneLabel(), t.failedLabel())),
                    sandbox == null ? null : sandbox.toSandbox());
        }
    }

    /** Sizes as 512MB or 2GB, times as 90s or 30m; each checked here so a typo fails the catalogue, not a run. */
    record SandboxYaml(String network, List<String> allowHosts, LimitsYaml limits) {
        Worker.Sandbox toSandbox() {
            if (network != null && !List.of("none", "allowlist", "host").contains(network)) {
                throw new IllegalArgumentException("sandbox.network must be none, allowlist or host (got '" + network + "')");
            }
            List<String> hosts = allowHosts == null ? List.of() : List.copyOf(allowHosts);
            for (String h : hosts) {
                if (h == null || !h.matches("(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
                    throw new IllegalArgumentException("sandbox.allow-hosts entry '" + h + "' is not name, name:port or *.domain[:port]");
                }
            }
            LimitsYaml l = limits == null ? new LimitsYaml(null, null, null, null, null, null, null) : limits;
            return new Worker.Sandbox(network, hosts, size("memory", l.memory()), positive("processes", l.processes()),
                    duration("cpu-time", l.cpuTime()), size("file-size", l.fileSize()), positive("open-files", l.openFiles()),
                    size("workspace", l.workspace()), size("tmp", l.tmp()));
        }

        private static DataSize size(String key, String value) {
            if (value == null) {
                return null;
            }
            try {
                DataSize size = DataSize.parse(value);
                if (size.toBytes() <= 0) {
                    throw new IllegalArgumentException("not positive");
                }
                return size;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("sandbox.limits." + key + " '" + value + "' is not a positive size (e.g. 512MB, 2GB)");
            }
        }

        private static Duration duration(String key, String value) {
            if (value == null) {
                return null;
            }
            try {
                Duration d = DurationStyle.detectAndParse(value);
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("not positive");
                }
                return d;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("sandbox.limits." + key + " '" + value + "' is not a positive duration (e.g. 90s, 30m)");
            }
        }

        private static Integer positive(String key, Integer value) {
            if (value != null && value < 1) {
                throw new IllegalArgumentException("sandbox.limits." + key + " must be at least 1");
            }
            return value;
        }
    }

    record LimitsYaml(String memory, Integer processes, String cpuTime, String fileSize, Integer openFiles, String workspace, String tmp) {
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
