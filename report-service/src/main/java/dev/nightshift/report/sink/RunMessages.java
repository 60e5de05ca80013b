package dev.nightshift.report.sink;

import java.util.List;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.report.markdown.InertMarkdown;

/** The texts people read in the comments report writes, the same in every tool. */
public final class RunMessages {

    public static final String DONE = "Done. Ready for review.";

    private RunMessages() {
    }

    /** The answer to a request before its run starts. */
    public static String acknowledged(String worker) {
        return "On it: " + worker + " has the task and starts shortly.";
    }

    /** The one answer to a request ingest declined: no run, and why. */
    public static String declined(TaskDeclined declined) {
        return "Not started: " + declined.getReason() + ". Until more runs are free, further requests start nothing and get no other answer.";
    }

    public static String started(RunEvent run) {
        return "Working on it (attempt " + attempt(run) + ").";
    }

    /** The "working on it" comment with the run's latest steps. */
    public static String progress(RunEvent run, List<String> lines) {
        StringBuilder text = new StringBuilder(started(run)).append("\n");
        lines.forEach(line -> text.append("\n- ").append(line));
        return text.toString();
    }

    public static String finished(RunEvent run, RunFinished finished, int summaryMaxChars) {
        return switch (finished.getOutcome()) {
            case SUCCEEDED -> finished.getSummary() == null || finished.getSummary().isBlank()
                    ? DONE
                    : DONE + "\n\n" + cut(finished.getSummary().strip(), summaryMaxChars);
            case TIMED_OUT -> "Timed out (attempt " + attempt(run) + "): " + finished.getReason();
            case OVER_BUDGET -> "Stopped at its budget (attempt " + attempt(run) + "): " + finished.getReason();
            case CANCELLED -> "Cancelled: " + finished.getReason();
            case FAILED, UNKNOWN -> "Failed (attempt " + attempt(run) + "): " + finished.getReason();
        };
    }

    public static String waiting(RunWaiting waiting) {
        return "Waiting: " + waiting.getReason() + ". It starts after " + waiting.getUntil() + ".";
    }

    private static String attempt(RunEvent run) {
        return run.getAttempt() + "/" + run.getMaxAttempts();
    }

    /** Where a run's writing comes from: worker, task, run, attempt. */
    public static String about(RunEvent run) {
        String url = run.getTask().getUrl() == null ? "" : " (" + run.getTask().getUrl() + ")";
        return "Filed by Nightshift's " + run.getWorker() + " worker for " + run.getTaskKey() + url + ", run " + run.getRunId()
                + ", attempt " + attempt(run) + ".";
    }

    /** An agent's text cut to a length, still inert: a cut inside a code span must not expose what it held. */
    public static String cut(String s, int max) {
        return InertMarkdown.cut(s, max);
    }
}
