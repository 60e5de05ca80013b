package dev.nightshift.ingest.routing;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import dev.nightshift.events.RunFields;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.util.unit.DataSize;

/**
 * The catalogue file's shape, as Jackson reads it (kebab-case keys). Kept apart from {@link Worker} so
 * the domain records stay free of parsing; {@link WorkerYaml#toWorker()} validates as it converts.
 */
record CatalogueYaml(List<CatalogueYaml.WorkerYaml> workers) {

    record WorkerYaml(String name, TriggerYaml trigger, String goal, AgentYaml agent, BudgetYaml budget, List<OutputYaml> outputs,
            SandboxYaml sandbox, RunLimitsYaml limits) {
        Worker toWorker() {
            if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                throw new IllegalArgumentException("name must be lower-case letters, digits and dashes (got '" + name + "')");
            }
            if (trigger == null) {
                throw new IllegalArgumentException("trigger is required: todoist, github, linear or schedule");
            }
            Trigger trig = trigger.toTrigger();
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
            return new Worker(name, trig, template,
                    new Worker.Agent(agent.adapter(), agent.model(),
                            agent.allowedTools() == null ? List.of() : List.copyOf(agent.allowedTools()), agent.workdir()),
                    new Worker.Budget(wallTime, budget.maxTurns(), budget.maxCostUsd(), maxAttempts),
                    outputs(trig),
                    sandbox == null ? null : sandbox.toSandbox(),
                    limits == null ? null : limits.toLimits());
        }

        /** Each entry names one sink; a sink that reports on the task itself must be the trigger's source. */
        private List<Output> outputs(Trigger trig) {
            if ((outputs == null || outputs.isEmpty()) && trig instanceof Trigger.Schedule) {
                // a scheduled run has no task to report on: its outcome is on nightshift.runs
                return List.of();
            }
            if (outputs == null || outputs.isEmpty()) {
                throw new IllegalArgumentException("outputs is required: a list of where runs report, e.g. [{" + trig.source() + ": {}}]");
            }
            List<Output> result = new ArrayList<>();
            for (int i = 0; i < outputs.size(); i++) {
                OutputYaml o = outputs.get(i);
                String at = "outputs[" + i + "]";
                List<Output> named = o == null ? List.of() : o.named();
                if (named.size() != 1) {
                    throw new IllegalArgumentException(at + " must name exactly one sink: todoist, github, linear or airtable");
                }
                Output out = named.getFirst();
                check(at, out, trig);
                boolean elsewhere = out instanceof Output.Airtable
                        || (out instanceof Output.GitHub g && g.fileFindings() && g.findingsRepository() != null);
                if (!elsewhere && !out.sink().equals(trig.source())) {
                    throw new IllegalArgumentException(at + "." + out.sink() + ": reports on the task itself, so the trigger must be "
                            + out.sink() + " too (it is " + trig.source() + ")");
                }
                if (result.stream().anyMatch(r -> r.sink().equals(out.sink()))) {
                    throw new IllegalArgumentException(at + "." + out.sink() + " is listed twice");
                }
                result.add(out);
            }
            return List.copyOf(result);
        }
    }

    /** What a sink's entry needs that its shape alone does not say. */
    private static void check(String at, Output out, Trigger trig) {
        switch (out) {
            case Output.Airtable a -> {
                if (blank(a.base()) || !a.base().matches("app[A-Za-z0-9]+")) {
                    throw new IllegalArgumentException(at + ".airtable.base must be the base's id, app... (got '" + a.base() + "')");
                }
                if (blank(a.table())) {
                    throw new IllegalArgumentException(at + ".airtable.table is required (the table's name or id)");
                }
                if (a.fields().isEmpty()) {
                    throw new IllegalArgumentException(at + ".airtable.fields is required: field name to template, e.g. {Title: '{{title}}'}");
                }
                if (a.fields().containsKey(a.externalIdField())) {
                    throw new IllegalArgumentException(at + ".airtable.fields." + a.externalIdField() + " is the external-id field: it holds the run id");
                }
                a.fields().forEach((field, template) -> {
                    List<String> unknown = RunFields.unknown(template == null ? "" : template);
                    if (!unknown.isEmpty()) {
                        throw new IllegalArgumentException(at + ".airtable.fields." + field + ": unknown " + String.join(", ", unknown)
                                + " (known: " + String.join(", ", RunFields.NAMES) + ")");
                    }
                });
            }
            case Output.GitHub g when g.fileFindings() && g.findingsRepository() == null && !(trig instanceof Trigger.GitHubRepository) -> throw
                    new IllegalArgumentException(at + ".github.findings-repository is required to file findings for a " + trig.source() + " task");
            case Output.GitHub g when g.findingsRepository() != null && !g.findingsRepository().matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+") -> throw
                    new IllegalArgumentException(at + ".github.findings-repository must be owner/name (got '" + g.findingsRepository() + "')");
            default -> { }
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

    /** Runs per hour; each at least 1. */
    record RunLimitsYaml(Integer runsPerHour, Integer runsPerAuthorPerHour) {
        Worker.Limits toLimits() {
            if (runsPerHour != null && runsPerHour < 1) {
                throw new IllegalArgumentException("limits.runs-per-hour must be at least 1");
            }
            if (runsPerAuthorPerHour != null && runsPerAuthorPerHour < 1) {
                throw new IllegalArgumentException("limits.runs-per-author-per-hour must be at least 1");
            }
            return new Worker.Limits(runsPerHour, runsPerAuthorPerHour);
        }
    }

    record LimitsYaml(String memory, Integer processes, String cpuTime, String fileSize, Integer openFiles, String workspace, String tmp) {
    }

    /** Exactly one source. */
    record TriggerYaml(TodoistTriggerYaml todoist, GitHubTriggerYaml github, LinearTriggerYaml linear, ScheduleTriggerYaml schedule) {
        Trigger toTrigger() {
            if (Stream.of(todoist, github, linear, schedule).filter(Objects::nonNull).count() != 1) {
                throw new IllegalArgumentException("trigger must name exactly one source: todoist, github, linear or schedule");
            }
            if (schedule != null) {
                return schedule.toTrigger();
            }
            if (linear != null) {
                return linear.toTrigger();
            }
            if (todoist != null) {
                if (blank(todoist.project())) {
                    throw new IllegalArgumentException("trigger.todoist.project is required (a Todoist project id or name)");
                }
                return new Trigger.TodoistProject(todoist.project());
            }
            return github.toTrigger();
        }
    }

    record TodoistTriggerYaml(String project) {
    }

    record GitHubTriggerYaml(String repository, String label, String assignee, String mention, Boolean pullRequests, String pushBranch,
            List<String> allowedAssociations, List<String> allowedLogins) {
        Trigger toTrigger() {
            if (repository == null || !repository.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("trigger.github.repository must be owner/name (got '" + repository + "')");
            }
            boolean prs = pullRequests != null && pullRequests;
            if (blank(label) && blank(assignee) && blank(mention) && !prs && blank(pushBranch)) {
                throw new IllegalArgumentException("trigger.github needs at least one of label, assignee, mention, pull-requests, push-branch");
            }
            if (!blank(mention) && !mention.startsWith("@")) {
                throw new IllegalArgumentException("trigger.github.mention must be a handle starting with @ (got '" + mention + "')");
            }
            List<String> associations = null;
            if (allowedAssociations != null) {
                associations = allowedAssociations.stream().map(a -> a == null ? "" : a.trim().toUpperCase()).toList();
                for (String a : associations) {
                    if (!Trigger.GitHubRepository.ASSOCIATIONS.contains(a)) {
                        throw new IllegalArgumentException("trigger.github.allowed-associations: '" + a + "' is not one of "
                                + String.join(", ", Trigger.GitHubRepository.ASSOCIATIONS));
                    }
                }
            }
            List<String> logins = allowedLogins == null ? List.of() : List.copyOf(allowedLogins);
            for (String login : logins) {
                if (login == null || !login.matches("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\\[bot\\])?")) {
                    throw new IllegalArgumentException("trigger.github.allowed-logins: '" + login + "' is not a GitHub login");
                }
            }
            return new Trigger.GitHubRepository(repository, nullIfBlank(label), nullIfBlank(assignee), nullIfBlank(mention), prs,
                    nullIfBlank(pushBranch), associations, logins);
        }
    }

    record ScheduleTriggerYaml(String cron, String zone, String missed) {
        Trigger toTrigger() {
            if (blank(cron)) {
                throw new IllegalArgumentException("trigger.schedule.cron is required (second minute hour day month weekday, e.g. '0 0 3 * * MON-FRI')");
            }
            CronExpression expression;
            try {
                expression = CronExpression.parse(cron);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("trigger.schedule.cron '" + cron + "' is not a cron expression: " + e.getMessage());
            }
            ZoneId zoneId;
            try {
                zoneId = blank(zone) ? ZoneOffset.UTC : ZoneId.of(zone);
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("trigger.schedule.zone '" + zone + "' is not a time zone (e.g. Europe/Paris)");
            }
            Trigger.Schedule.Missed whenMissed;
            try {
                whenMissed = blank(missed) ? Trigger.Schedule.Missed.SKIP : Trigger.Schedule.Missed.valueOf(missed.trim().toUpperCase());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("trigger.schedule.missed must be run or skip (got '" + missed + "')");
            }
            return new Trigger.Schedule(expression, zoneId, whenMissed);
        }
    }

    record LinearTriggerYaml(String team, String label, Boolean agentSessions) {
        Trigger toTrigger() {
            if (blank(team)) {
                throw new IllegalArgumentException("trigger.linear.team is required (the team's key, e.g. ENG, or its id)");
            }
            boolean sessions = agentSessions != null && agentSessions;
            if (blank(label) && !sessions) {
                throw new IllegalArgumentException("trigger.linear needs label or agent-sessions: true");
            }
            return new Trigger.LinearTeam(team, nullIfBlank(label), sessions);
        }
    }

    record AgentYaml(String adapter, String model, List<String> allowedTools, String workdir) {
    }

    record BudgetYaml(String wallTime, Integer maxTurns, Double maxCostUsd, Integer maxAttempts) {
    }

    /** One list entry: one sink by name. */
    record OutputYaml(TodoistSinkYaml todoist, GitHubSinkYaml github, LinearSinkYaml linear, AirtableSinkYaml airtable) {
        /** The sinks this entry names: one, when it is well formed. */
        List<Output> named() {
            List<Output> named = new ArrayList<>();
            if (todoist != null) {
                named.add(new Output.Todoist(comments(todoist.comment()), todoist.doneLabel(), todoist.failedLabel()));
            }
            if (github != null) {
                named.add(new Output.GitHub(comments(github.comment()), label(github.workingLabel(), Output.GitHub.WORKING),
                        label(github.doneLabel(), Output.GitHub.DONE), label(github.failedLabel(), Output.GitHub.FAILED),
                        Boolean.TRUE.equals(github.fileFindings()), nullIfBlank(github.findingsRepository())));
            }
            if (linear != null) {
                named.add(new Output.Linear(comments(linear.comment()), nullIfBlank(linear.startedState()), nullIfBlank(linear.reviewState()),
                        linear.doneLabel(), linear.failedLabel()));
            }
            if (airtable != null) {
                named.add(new Output.Airtable(airtable.base(), airtable.table(),
                        blank(airtable.externalIdField()) ? "Nightshift run" : airtable.externalIdField(),
                        airtable.fields() == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(airtable.fields()))));
            }
            return named;
        }
    }

    /** Unset takes the default name; "" names none. */
    private static String label(String configured, String byDefault) {
        return configured == null ? byDefault : nullIfBlank(configured);
    }

    record AirtableSinkYaml(String base, String table, String externalIdField, Map<String, String> fields) {
    }

    record LinearSinkYaml(Boolean comment, String startedState, String reviewState, String doneLabel, String failedLabel) {
    }

    record TodoistSinkYaml(Boolean comment, String doneLabel, String failedLabel) {
    }

    record GitHubSinkYaml(Boolean comment, String workingLabel, String doneLabel, String failedLabel, Boolean fileFindings,
            String findingsRepository) {
    }

    /** Comments are on unless turned off. */
    private static boolean comments(Boolean comment) {
        return comment == null || comment;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String nullIfBlank(String s) {
        return blank(s) ? null : s;
    }
}
