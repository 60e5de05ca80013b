package dev.nightshift.ingest.routing;

/** One place a worker's runs are reported to. Names only: report holds the credentials. */
public sealed interface Output {

    /** The sink's name in the catalogue, as in {@code outputs: [{todoist: ...}]}. */
    String sink();

    /** Comments and labels on the Todoist task. */
    record Todoist(boolean comment, String doneLabel, String failedLabel) implements Output {
        @Override
        public String sink() {
            return "todoist";
        }
    }

    /** A tracking comment and labels on the GitHub issue or pull request; {@code workingLabel} is held while a run goes on. */
    record GitHub(boolean comment, String workingLabel, String doneLabel, String failedLabel) implements Output {
        @Override
        public String sink() {
            return "github";
        }
    }

    /** A comment (agent activities in a session), workflow states by name and labels on the Linear issue. */
    record Linear(boolean comment, String startedState, String reviewState, String doneLabel, String failedLabel) implements Output {
        @Override
        public String sink() {
            return "linear";
        }
    }
}
