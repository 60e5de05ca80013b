package dev.nightshift.report.github;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.GitHubOutput;
import dev.nightshift.events.GitHubPush;
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
import dev.nightshift.report.sink.CredentialedSink;
import dev.nightshift.report.sink.RecentProgress;
import dev.nightshift.report.sink.RunMessages;
import dev.nightshift.report.sink.Target;
import dev.nightshift.report.writes.WriteLog;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * GitHub: one tracking comment per run on the issue or pull request, made when the run starts (once: the
 * write log) and edited in place with coalesced progress and then the result; the working label while it
 * runs, then the done or failed label. For a task with no issue (a push, a schedule) whose worker asks for
 * it, a successful run's findings are filed as a new issue. Nightshift never closes, merges or approves.
 */
@Component
public class GitHubSink extends CredentialedSink {

    static final String COMMENT = "comment";
    static final String FINDINGS = "findings";
    static final String DECLINED = "declined";

    private final GitHubClient github;
    private final GitHubProperties properties;
    private final WriteLog writes;
    private final RecentProgress progress;

    public GitHubSink(RestClient.Builder http, GitHubProperties properties, MeterRegistry meters, WriteLog writes) {
        super("github", GitHubProperties.TOKEN_SETTING, properties.configured(), meters);
        this.properties = properties;
        this.github = new GitHubClient(http, properties, new Target(name(), properties.limits(), gate(), meters));
        this.writes = writes;
        this.progress = new RecentProgress(properties.progressInterval(), Clock.systemUTC());
    }

    @Override
    public void checkCredential() {
        github.checkToken();
    }

    @Override
    public boolean wants(RunEvent event) {
        Optional<GitHubOutput> output = OutputSinks.find(event.getOutputs(), GitHubOutput.class);
        return output.isPresent() && (event.getTask().getReference() instanceof GitHubIssue || findingsRepository(event, output.get()).isPresent());
    }

    /** A request ingest declined (past a runs-per-hour cap) is answered on its issue or pull request. */
    @Override
    public boolean acknowledgesTasks() {
        return true;
    }

    @Override
    public boolean wants(TaskEvent event) {
        return event.getBody() instanceof TaskDeclined d && event.getTask().getReference() instanceof GitHubIssue
                && OutputSinks.find(d.getOutputs(), GitHubOutput.class).filter(GitHubOutput::getComment).isPresent();
    }

    /** One comment per declined reply (its event id): the write log, and after a crash the issue's comments searched. */
    @Override
    public void acknowledge(TaskEvent event) {
        GitHubIssue issue = (GitHubIssue) event.getTask().getReference();
        String text = OwnWrites.marked(RunMessages.declined((TaskDeclined) event.getBody()), event.getEventId(), DECLINED);
        writes.once(new WriteLog.Key(name(), event.getEventId(), DECLINED), event.getTaskKey(),
                () -> github.findComment(issue.getRepository(), issue.getNumber(), OwnWrites.marker(event.getEventId(), DECLINED)),
                () -> github.comment(issue.getRepository(), issue.getNumber(), text));
    }

    @Override
    public void write(RunEvent run) {
        GitHubOutput output = OutputSinks.find(run.getOutputs(), GitHubOutput.class).orElseThrow();
        if (!(run.getTask().getReference() instanceof GitHubIssue issue)) {
            if (run.getBody() instanceof RunFinished f && f.getOutcome() == Outcome.SUCCEEDED) {
                fileFindings(run, f, findingsRepository(run, output).orElseThrow());
            }
            return;
        }
        switch (run.getBody()) {
            case RunStarted s -> {
                if (output.getComment()) {
                    tracking(run, issue, RunMessages.started(run));
                }
                label(issue, output.getWorkingLabel());
            }
            case RunProgress p -> {
                if (output.getComment()) {
                    progress.add(run.getRunId(), p.getLine()).ifPresent(lines -> editIfMade(run, issue, RunMessages.progress(run, lines)));
                }
            }
            case RunFinished f -> {
                progress.finished(run.getRunId());
                if (output.getComment()) {
                    String result = RunMessages.finished(run, f, properties.summaryMaxChars());
                    boolean made = madeComment(run).isPresent();
                    String id = tracking(run, issue, result);
                    if (made) {
                        github.editComment(issue.getRepository(), id, body(run, result));
                    }
                }
                if (output.getWorkingLabel() != null) {
                    github.removeLabel(issue.getRepository(), issue.getNumber(), output.getWorkingLabel());
                }
                label(issue, switch (f.getOutcome()) {
                    case SUCCEEDED -> output.getDoneLabel();
                    case CANCELLED -> null;
                    default -> f.getFinalAttempt() ? output.getFailedLabel() : null;
                });
            }
            case RunWaiting w -> {
                if (output.getComment()) {
                    tracking(run, issue, RunMessages.waiting(w));
                }
            }
            default -> throw new IllegalArgumentException("unknown run event body " + run.getBody().getClass().getName());
        }
    }

    /** Where a task with no issue (a push, a schedule) files its findings, when its worker asks for it. */
    private static Optional<String> findingsRepository(RunEvent run, GitHubOutput output) {
        if (!output.getFileFindings() || run.getTask().getReference() instanceof GitHubIssue) {
            return Optional.empty();
        }
        if (output.getFindingsRepository() != null) {
            return Optional.of(output.getFindingsRepository());
        }
        return run.getTask().getReference() instanceof GitHubPush push ? Optional.of(push.getRepository()) : Optional.empty();
    }

    /** A successful run's findings as a new issue: made once (the write log; after a crash, found by its marker). */
    private void fileFindings(RunEvent run, RunFinished finished, String repository) {
        String marker = OwnWrites.marker(run.getRunId(), FINDINGS);
        String summary = finished.getSummary() == null || finished.getSummary().isBlank() ? "(no summary)" : finished.getSummary().strip();
        String body = OwnWrites.marked(RunMessages.cut(summary, properties.summaryMaxChars()) + "\n\n" + RunMessages.about(run), run.getRunId(), FINDINGS);
        writes.once(new WriteLog.Key(name(), run.getRunId(), FINDINGS), run.getTaskKey(),
                () -> github.findRecentIssue(repository, marker),
                () -> github.createIssue(repository, run.getWorker() + ": " + run.getTask().getTitle(), body));
    }

    /** The run's tracking comment: made once, with this text if it is made now; returns its id. */
    private String tracking(RunEvent run, GitHubIssue issue, String text) {
        String marker = OwnWrites.marker(run.getRunId(), COMMENT);
        return writes.once(new WriteLog.Key(name(), run.getRunId(), COMMENT), run.getTaskKey(),
                () -> github.findComment(issue.getRepository(), issue.getNumber(), marker),
                () -> github.comment(issue.getRepository(), issue.getNumber(), body(run, text)));
    }

    private void editIfMade(RunEvent run, GitHubIssue issue, String text) {
        madeComment(run).ifPresent(id -> github.editComment(issue.getRepository(), id, body(run, text)));
    }

    /** The tracking comment's id, once it is known to be made. */
    private Optional<String> madeComment(RunEvent run) {
        return writes.made(new WriteLog.Key(name(), run.getRunId(), COMMENT));
    }

    private void label(GitHubIssue issue, String label) {
        if (label != null && !label.isBlank()) {
            github.addLabels(issue.getRepository(), issue.getNumber(), List.of(label));
        }
    }

    private static String body(RunEvent run, String text) {
        return OwnWrites.marked(text, run.getRunId(), COMMENT);
    }
}
