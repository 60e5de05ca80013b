package dev.nightshift.report.todoist;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.report.sink.CredentialedSink;
import dev.nightshift.report.sink.RecentProgress;
import dev.nightshift.report.sink.RunMessages;
import dev.nightshift.report.sink.Target;
import dev.nightshift.report.writes.WriteLog;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Todoist: "working on it" when a run starts, edited in place with the latest progress; the summary (or the
 * reason it failed) in a comment when it ends; on success the done label added to the task's labels. The
 * task stays open: a person reviews and closes it. Each comment is made once (the write log), and carries
 * the marker that lets ingest ignore it and a restarted report find it.
 */
@Component
public class TodoistSink extends CredentialedSink {

    static final String STARTED = "started";
    static final String FINISHED = "finished";
    static final String WAITING = "waiting";
    static final String DECLINED = "declined";

    private final TodoistClient todoist;
    private final TodoistProperties properties;
    private final WriteLog writes;
    private final RecentProgress progress;

    public TodoistSink(RestClient.Builder http, TodoistProperties properties, MeterRegistry meters, WriteLog writes) {
        super("todoist", TodoistProperties.TOKEN_SETTING, properties.configured(), meters);
        this.properties = properties;
        this.todoist = new TodoistClient(http, properties, new Target(name(), properties.limits(), gate(), meters));
        this.writes = writes;
        this.progress = new RecentProgress(properties.progressInterval(), Clock.systemUTC());
    }

    /** The group report used before each sink had its own, so an upgrade carries on where it was. */
    @Override
    public String group(String prefix) {
        return prefix;
    }

    @Override
    public void checkCredential() {
        todoist.checkToken();
    }

    @Override
    public boolean wants(RunEvent event) {
        return event.getTask().getSource() == Source.TODOIST && OutputSinks.find(event.getOutputs(), TodoistOutput.class).isPresent();
    }

    @Override
    public void write(RunEvent run) {
        TodoistOutput output = OutputSinks.find(run.getOutputs(), TodoistOutput.class).orElseThrow();
        String taskId = run.getTask().getSourceId();
        switch (run.getBody()) {
            case RunStarted s when output.getComment() -> comment(run, STARTED, RunMessages.started(run));
            case RunProgress p when output.getComment() -> progress.add(run.getRunId(), p.getLine())
                    .ifPresent(lines -> editStarted(run, lines));
            case RunFinished f -> {
                progress.finished(run.getRunId());
                if (output.getComment()) {
                    comment(run, FINISHED, RunMessages.finished(run, f, properties.summaryMaxChars()));
                }
                // a cancelled task gets no label: the person stopped it; any other last attempt that did not succeed failed
                String label = switch (f.getOutcome()) {
                    case SUCCEEDED -> output.getDoneLabel();
                    case CANCELLED -> null;
                    default -> f.getFinalAttempt() ? output.getFailedLabel() : null;
                };
                if (label != null && !label.isBlank()) {
                    addLabel(taskId, label, requestId(run, "label"));
                }
            }
            case RunWaiting w when output.getComment() -> comment(run, WAITING, RunMessages.waiting(w));
            case RunStarted s -> { } // comments switched off
            case RunProgress p -> { }
            case RunWaiting w -> { }
            default -> throw new IllegalArgumentException("unknown run event body " + run.getBody().getClass().getName());
        }
    }

    /** A request ingest declined (past a runs-per-hour cap) is answered on its task. */
    @Override
    public boolean acknowledgesTasks() {
        return true;
    }

    @Override
    public boolean wants(TaskEvent event) {
        return event.getBody() instanceof TaskDeclined d && event.getTask().getSource() == Source.TODOIST
                && OutputSinks.find(d.getOutputs(), TodoistOutput.class).filter(TodoistOutput::getComment).isPresent();
    }

    /** One comment per declined reply (its event id). */
    @Override
    public void acknowledge(TaskEvent event) {
        String taskId = event.getTask().getSourceId();
        String id = event.getEventId();
        writes.once(new WriteLog.Key(name(), id, DECLINED), event.getTaskKey(),
                () -> todoist.findComment(taskId, OwnWrites.marker(id, DECLINED)),
                () -> todoist.comment(taskId, OwnWrites.marked(RunMessages.declined((TaskDeclined) event.getBody()), id, DECLINED),
                        UUID.nameUUIDFromBytes((id + ":" + DECLINED).getBytes(StandardCharsets.UTF_8)).toString()));
    }

    /** One comment per run and kind, however often the event comes. */
    private void comment(RunEvent run, String write, String text) {
        String taskId = run.getTask().getSourceId();
        String marker = OwnWrites.marker(run.getRunId(), write);
        writes.once(new WriteLog.Key(name(), run.getRunId(), write), run.getTaskKey(),
                () -> todoist.findComment(taskId, marker),
                () -> todoist.comment(taskId, OwnWrites.marked(text, run.getRunId(), write), requestId(run, write)));
    }

    /** The "working on it" comment, with the latest progress lines: only once it exists. */
    private void editStarted(RunEvent run, List<String> lines) {
        writes.made(new WriteLog.Key(name(), run.getRunId(), STARTED))
                .ifPresent(id -> todoist.editComment(id, OwnWrites.marked(RunMessages.progress(run, lines), run.getRunId(), STARTED)));
    }

    /** Read, add, write: the labels a person set survive. */
    private void addLabel(String taskId, String label, String requestId) {
        List<String> labels = new ArrayList<>(todoist.labels(taskId));
        if (labels.contains(label)) {
            return;
        }
        labels.add(label);
        todoist.setLabels(taskId, labels, requestId);
    }

    /** 36 characters, the same for every retry of one write of one run. */
    private static String requestId(RunEvent run, String write) {
        return UUID.nameUUIDFromBytes((run.getRunId() + ":" + write).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
