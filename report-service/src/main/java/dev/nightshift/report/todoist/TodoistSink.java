package dev.nightshift.report.todoist;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.Source;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.report.sink.Sink;
import dev.nightshift.report.sink.SinkGate;
import dev.nightshift.report.sink.Target;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Todoist: "working on it" when a run starts; the summary (or the reason it failed) when it ends; on
 * success the done label added to the task's labels. The task stays open: a person reviews and closes it.
 */
@Component
public class TodoistSink implements Sink {

    private final TodoistClient todoist;
    private final TodoistProperties properties;
    private final SinkGate gate;

    public TodoistSink(RestClient.Builder http, TodoistProperties properties, MeterRegistry meters) {
        this.properties = properties;
        this.gate = new SinkGate(name(), TodoistProperties.TOKEN_SETTING, meters);
        this.todoist = new TodoistClient(http, properties, new Target(name(), properties.limits(), gate, meters));
    }

    @Override
    public String name() {
        return "todoist";
    }

    @Override
    public Optional<String> offBecause() {
        return properties.configured() ? Optional.empty() : Optional.of("no token: set " + TodoistProperties.TOKEN_SETTING);
    }

    /** The group report used before each sink had its own, so an upgrade carries on where it was. */
    @Override
    public String group(String prefix) {
        return prefix;
    }

    @Override
    public SinkGate gate() {
        return gate;
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
            case RunStarted s when output.getComment() -> todoist.comment(taskId, TodoistMessages.started(run), requestId(run, "started"));
            case RunFinished f -> {
                if (output.getComment()) {
                    todoist.comment(taskId, TodoistMessages.finished(run, f, properties.summaryMaxChars()), requestId(run, "finished"));
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
            case RunWaiting w when output.getComment() -> todoist.comment(taskId, TodoistMessages.waiting(w), requestId(run, "waiting"));
            case RunStarted s -> { } // comments switched off
            case RunWaiting w -> { }
            case RunProgress p -> { } // progress stays in the run events: a comment per step would bury the thread
            default -> throw new IllegalArgumentException("unknown run event body " + run.getBody().getClass().getName());
        }
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
