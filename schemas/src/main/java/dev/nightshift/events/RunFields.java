package dev.nightshift.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Templates over a finished run, for the fields a sink fills (an Airtable record's): {@code {{title}}},
 * {@code {{file:draft.md}}} and the other names below; anything else is copied as it is. Ingest checks the
 * names when it reads the catalogue, report renders them, so both read the same list.
 */
public final class RunFields {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([a-z]+)(?::([^}]*?))?\\s*}}");
    /** The names a template may use, and what each stands for. */
    public static final List<String> NAMES = List.of("title", "description", "url", "task", "source", "labels", "worker", "run",
            "attempt", "outcome", "summary", "reason", "cost", "duration", "finished", "files", "file:<name>");

    private RunFields() {
    }

    /** The placeholders in this template that are not in {@link #NAMES}. */
    public static List<String> unknown(String template) {
        List<String> unknown = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            boolean file = m.group(1).equals("file");
            if (file ? m.group(2) == null || m.group(2).isBlank() : m.group(2) != null || !NAMES.contains(m.group(1))) {
                unknown.add(m.group());
            }
        }
        return unknown;
    }

    /** The template with each placeholder replaced by the run's value; an empty string where it has none. */
    public static String render(String template, RunEvent run, RunFinished finished) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(value(m.group(1), m.group(2), run, finished)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String value(String name, String argument, RunEvent run, RunFinished finished) {
        TaskRef task = run.getTask();
        return switch (name) {
            case "title" -> task.getTitle();
            case "description" -> task.getDescription();
            case "url" -> orEmpty(task.getUrl());
            case "task" -> run.getTaskKey();
            case "source" -> task.getSource().name().toLowerCase(Locale.ROOT);
            case "labels" -> String.join(", ", task.getLabels());
            case "worker" -> run.getWorker();
            case "run" -> run.getRunId();
            case "attempt" -> Integer.toString(run.getAttempt());
            case "outcome" -> finished.getOutcome().name().toLowerCase(Locale.ROOT);
            case "summary" -> orEmpty(finished.getSummary());
            case "reason" -> orEmpty(finished.getReason());
            case "cost" -> finished.getCostUsd() == null ? "" : String.format(Locale.ROOT, "%.4f", finished.getCostUsd());
            case "duration" -> Long.toString(finished.getDurationMillis() / 1000);
            case "finished" -> run.getOccurredAt().toString();
            case "files" -> String.join(", ", finished.getFiles().stream().map(RunFile::getName).toList());
            case "file" -> finished.getFiles().stream().filter(f -> f.getName().equals(argument.strip())).findFirst()
                    .map(f -> orEmpty(f.getContent())).orElse("");
            default -> "";
        };
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
