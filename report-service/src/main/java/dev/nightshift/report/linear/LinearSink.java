package dev.nightshift.report.linear;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.nightshift.events.LinearIssue;
import dev.nightshift.events.LinearOutput;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.report.sink.CredentialedSink;
import dev.nightshift.report.sink.RecentProgress;
import dev.nightshift.report.sink.RunMessages;
import dev.nightshift.report.sink.Target;
import dev.nightshift.report.writes.WriteLog;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Linear. For a task from an agent session: a {@code thought} as soon as the request is read (before any run
 * starts: Linear expects one within 10 s), another when the run starts, an {@code action} per
 * progress line, and a {@code response} with the result or an {@code error} with the reason. For an issue
 * task: a comment made when the run starts (once: the write log) and edited with progress and the result.
 * Both: the issue moved to the worker's started state at the start and its review state on success, and the
 * done or failed label.
 */
@Component
public class LinearSink extends CredentialedSink {

    static final String COMMENT = "comment";
    static final String DECLINED = "declined";

    private final LinearClient linear;
    private final LinearProperties properties;
    private final WriteLog writes;
    private final RecentProgress progress;

    public LinearSink(RestClient.Builder http, LinearProperties properties, MeterRegistry meters, WriteLog writes) {
        super("linear", LinearProperties.KEY_SETTING, properties.configured(), meters);
        this.properties = properties;
        this.linear = new LinearClient(http, properties, new Target(name(), properties.limits(), gate(), meters));
        this.writes = writes;
        this.progress = new RecentProgress(properties.progressInterval(), Clock.systemUTC());
    }

    @Override
    public void checkCredential() {
        linear.checkKey();
    }

    @Override
    public boolean wants(RunEvent event) {
        return event.getTask().getReference() instanceof LinearIssue && OutputSinks.find(event.getOutputs(), LinearOutput.class).isPresent();
    }

    @Override
    public boolean acknowledgesTasks() {
        return true;
    }

    /**
     * A request from an agent session: Linear shows the agent unresponsive without an activity within 10 s. And a
     * request ingest declined (past a runs-per-hour cap): answered in its session, or on its issue.
     */
    @Override
    public boolean wants(TaskEvent event) {
        return switch (event.getBody()) {
            case TaskRequested requested -> event.getTask().getReference() instanceof LinearIssue issue && issue.getAgentSessionId() != null
                    && OutputSinks.find(requested.getWorker().getOutputs(), LinearOutput.class).isPresent();
            case TaskDeclined declined -> event.getTask().getReference() instanceof LinearIssue issue
                    && OutputSinks.find(declined.getOutputs(), LinearOutput.class)
                            .filter(o -> issue.getAgentSessionId() != null || o.getComment()).isPresent();
            default -> false;
        };
    }

    @Override
    public void acknowledge(TaskEvent event) {
        if (event.getBody() instanceof TaskDeclined declined) {
            declined(event, declined);
            return;
        }
        TaskRequested requested = (TaskRequested) event.getBody();
        String session = ((LinearIssue) event.getTask().getReference()).getAgentSessionId();
        // one per task version: a follow-up prompt is a new version and is answered too
        activityOnce(new WriteLog.Key(name(), event.getTaskKey() + " " + requested.getTaskVersion(), "acknowledged"), event.getTaskKey(),
                session, Map.of("type", "thought", "body", RunMessages.acknowledged(requested.getWorker().getName())));
    }

    @Override
    public void write(RunEvent run) {
        LinearOutput output = OutputSinks.find(run.getOutputs(), LinearOutput.class).orElseThrow();
        LinearIssue issue = (LinearIssue) run.getTask().getReference();
        String session = issue.getAgentSessionId();
        switch (run.getBody()) {
            case RunStarted s -> {
                if (session != null) {
                    activityOnce(run, session, "started", Map.of("type", "thought", "body", RunMessages.started(run)));
                } else if (output.getComment()) {
                    comment(run, issue, RunMessages.started(run));
                }
                if (output.getStartedState() != null) {
                    linear.moveTo(issue.getId(), output.getStartedState());
                }
            }
            case RunProgress p -> {
                if (session != null) {
                    activityOnce(run, session, "action-" + p.getSequence(), action(p.getLine()));
                } else if (output.getComment()) {
                    progress.add(run.getRunId(), p.getLine()).ifPresent(lines -> madeComment(run)
                            .ifPresent(id -> linear.editComment(id, body(run, RunMessages.progress(run, lines)))));
                }
            }
            case RunFinished f -> {
                progress.finished(run.getRunId());
                String result = RunMessages.finished(run, f, properties.summaryMaxChars());
                if (session != null) {
                    activityOnce(run, session, "finished", Map.of("type", f.getOutcome() == Outcome.SUCCEEDED ? "response" : "error", "body", result));
                } else if (output.getComment()) {
                    boolean made = madeComment(run).isPresent();
                    String id = comment(run, issue, result);
                    if (made) {
                        linear.editComment(id, body(run, result));
                    }
                }
                if (f.getOutcome() == Outcome.SUCCEEDED && output.getReviewState() != null) {
                    linear.moveTo(issue.getId(), output.getReviewState());
                }
                String label = switch (f.getOutcome()) {
                    case SUCCEEDED -> output.getDoneLabel();
                    case CANCELLED -> null;
                    default -> f.getFinalAttempt() ? output.getFailedLabel() : null;
                };
                if (label != null && !label.isBlank()) {
                    linear.addLabel(issue.getId(), label);
                }
            }
            case RunWaiting w -> {
                if (session != null) {
                    activityOnce(run, session, "waiting", Map.of("type", "thought", "body", RunMessages.waiting(w)));
                } else if (output.getComment()) {
                    comment(run, issue, RunMessages.waiting(w));
                }
            }
            default -> throw new IllegalArgumentException("unknown run event body " + run.getBody().getClass().getName());
        }
    }

    /** One answer per declined reply (its event id): a response in the session, or a comment on the issue. */
    private void declined(TaskEvent event, TaskDeclined declined) {
        LinearIssue issue = (LinearIssue) event.getTask().getReference();
        String id = event.getEventId();
        String text = RunMessages.declined(declined);
        if (issue.getAgentSessionId() != null) {
            activityOnce(new WriteLog.Key(name(), id, DECLINED), event.getTaskKey(), issue.getAgentSessionId(),
                    Map.of("type", "response", "body", text));
        } else {
            writes.once(new WriteLog.Key(name(), id, DECLINED), event.getTaskKey(),
                    () -> linear.findComment(issue.getId(), OwnWrites.marker(id, DECLINED)),
                    () -> linear.comment(issue.getId(), OwnWrites.marked(text, id, DECLINED)));
        }
    }

    /** "Reading CLAUDE.md" becomes the action "Reading" with the parameter "CLAUDE.md". */
    static Map<String, Object> action(String line) {
        int space = line.indexOf(' ');
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("type", "action");
        content.put("action", space < 0 ? line : line.substring(0, space));
        content.put("parameter", space < 0 ? "" : line.substring(space + 1));
        return content;
    }

    /**
     * An activity is made once per run and step. Activities cannot be searched by a marker: one made just
     * before a crash and not yet noted is made again (a repeated thought, at worst a repeated response).
     */
    private void activityOnce(RunEvent run, String session, String step, Map<String, Object> content) {
        activityOnce(new WriteLog.Key(name(), run.getRunId(), step), run.getTaskKey(), session, content);
    }

    private void activityOnce(WriteLog.Key key, String taskKey, String session, Map<String, Object> content) {
        writes.once(key, taskKey, Optional::empty, () -> {
            linear.activity(session, content);
            return session;
        });
    }

    private String comment(RunEvent run, LinearIssue issue, String text) {
        String marker = OwnWrites.marker(run.getRunId(), COMMENT);
        return writes.once(new WriteLog.Key(name(), run.getRunId(), COMMENT), run.getTaskKey(),
                () -> linear.findComment(issue.getId(), marker),
                () -> linear.comment(issue.getId(), body(run, text)));
    }

    private Optional<String> madeComment(RunEvent run) {
        return writes.made(new WriteLog.Key(name(), run.getRunId(), COMMENT));
    }

    private static String body(RunEvent run, String text) {
        return OwnWrites.marked(text, run.getRunId(), COMMENT);
    }
}
