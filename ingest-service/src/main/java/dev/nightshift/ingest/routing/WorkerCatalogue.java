package dev.nightshift.ingest.routing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import org.springframework.boot.convert.DurationStyle;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The workers, loaded from YAML and validated as a whole: a catalogue with one bad worker does not
 * load, and the error names the worker and the field.
 */
public final class WorkerCatalogue {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final List<Worker> workers;

    public WorkerCatalogue(List<Worker> workers) {
        this.workers = List.copyOf(workers);
    }

    public static WorkerCatalogue load(Path file) {
        if (!Files.isReadable(file)) {
            throw new InvalidCatalogueException(file + ": worker catalogue not found or not readable (setting nightshift.ingest.workers-file)");
        }
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new InvalidCatalogueException(file + ": " + e.getMessage());
        } catch (InvalidCatalogueException e) {
            throw new InvalidCatalogueException(file + ": " + e.getMessage());
        }
    }

    public static WorkerCatalogue parse(String yaml) {
        CatalogueYaml doc;
        try {
            doc = YAML.readValue(yaml, CatalogueYaml.class);
        } catch (JacksonException e) {
            throw new InvalidCatalogueException("not a valid worker catalogue: " + e.getOriginalMessage()
                    + " at " + e.getPathReference());
        }
        if (doc == null || doc.workers() == null || doc.workers().isEmpty()) {
            throw new InvalidCatalogueException("no workers: the file needs a non-empty 'workers' list");
        }
        List<Worker> workers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < doc.workers().size(); i++) {
            WorkerYaml w = doc.workers().get(i);
            String at = "workers[" + i + "]" + (w.name() == null ? "" : " (" + w.name() + ")");
            try {
                Worker worker = w.toWorker();
                if (!names.add(worker.name())) {
                    throw new IllegalArgumentException("name '" + worker.name() + "' is used twice");
                }
                workers.add(worker);
            } catch (IllegalArgumentException e) {
                throw new InvalidCatalogueException(at + ": " + e.getMessage());
            }
        }
        return new WorkerCatalogue(workers);
    }

    public List<Worker> workers() {
        return workers;
    }

    /** The first worker, in catalogue order, whose trigger is of the given kind and matches. */
    public <T extends Trigger> Optional<Worker> find(Class<T> kind, Predicate<T> matches) {
        return workers.stream()
                .filter(w -> kind.isInstance(w.trigger()) && matches.test(kind.cast(w.trigger())))
                .findFirst();
    }

    public static final class InvalidCatalogueException extends RuntimeException {
        public InvalidCatalogueException(String message) {
            super(message);
        }
    }

    // The YAML shape. Kept apart from Worker so the domain records stay free of parsing concerns.

    record CatalogueYaml(List<WorkerYaml> workers) {
    }

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
