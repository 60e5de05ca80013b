package dev.nightshift.report.hygiene;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFile;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.TaskRef;
import dev.nightshift.report.markdown.InertMarkdown;

/**
 * A run event as sinks may write it: every text in it that came from the agent or from the task's source (the
 * summary, the failure reason with its stderr tail, progress lines, the agent's files and their names, a
 * waiting reason, the task's title, description and labels) with its secrets redacted ({@link SecretRedactor})
 * and made inert ({@link InertMarkdown}: links allowed to the configured hosts and the task's own). Applied to
 * each event as a sink receives it, before the sink adds its own words and markers, so no sink can write an
 * event that skipped it. Ids, keys and the task's URL are the source's and dispatch's own and stay as they are.
 */
public final class RunEventHygiene {

    private final SecretRedactor redactor;
    private final List<String> linkHosts;

    public RunEventHygiene(SecretRedactor redactor, List<String> linkHosts) {
        this.redactor = redactor;
        this.linkHosts = List.copyOf(linkHosts);
    }

    /** A copy of the event with its texts cleaned; the event itself is left as it is. */
    public RunEvent clean(RunEvent event) {
        InertMarkdown inert = new InertMarkdown(allowed(event.getTask().getUrl()));
        RunEvent clean = RunEvent.newBuilder(event).build();
        TaskRef task = clean.getTask();
        task.setTitle(clean(task.getTitle(), inert));
        task.setDescription(clean(task.getDescription(), inert));
        task.setLabels(task.getLabels().stream().map(label -> clean(label, inert)).toList());
        switch (clean.getBody()) {
            case RunProgress p -> p.setLine(clean(p.getLine(), inert));
            case RunWaiting w -> w.setReason(clean(w.getReason(), inert));
            case RunFinished f -> {
                f.setSummary(clean(f.getSummary(), inert));
                f.setReason(clean(f.getReason(), inert));
                List<RunFile> files = new ArrayList<>();
                for (RunFile file : f.getFiles()) {
                    files.add(RunFile.newBuilder(file).setName(clean(file.getName(), inert)).setContent(clean(file.getContent(), inert)).build());
                }
                f.setFiles(files);
            }
            default -> {
            }
        }
        return clean;
    }

    /**
     * One text about a task, cleaned as a run event's are: for a reply that quotes what the task's source or an
     * agent wrote outside a run event.
     */
    public String clean(String text, String taskUrl) {
        return clean(text, new InertMarkdown(allowed(taskUrl)));
    }

    private String clean(String text, InertMarkdown inert) {
        return text == null ? null : inert.render(redactor.redact(text));
    }

    /** The configured hosts and the host of the task's own URL. */
    private Predicate<String> allowed(String taskUrl) {
        String own = host(taskUrl);
        return host -> host.equals(own) || linkHosts.stream().anyMatch(entry -> entry.startsWith("*.")
                ? host.endsWith(entry.substring(1)) : host.equals(entry));
    }

    private static String host(String url) {
        if (url == null) {
            return null;
        }
        try {
            String host = URI.create(url).getHost();
            return host == null ? null : host.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
