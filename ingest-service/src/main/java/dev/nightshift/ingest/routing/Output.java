package dev.nightshift.ingest.routing;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/** One place a worker's runs are reported to. Names only: report holds the credentials. */
public sealed interface Output {

    /** The sink's name in the catalogue, as in {@code outputs: [{todoist: ...}]}. */
    String sink();

    /** The labels it puts on a task whose run ended (done, failed), those it has. */
    default List<String> finishedLabels() {
        return switch (this) {
            case Todoist t -> Stream.of(t.doneLabel(), t.failedLabel()).filter(Objects::nonNull).toList();
            case GitHub g -> Stream.of(g.doneLabel(), g.failedLabel()).filter(Objects::nonNull).toList();
            case Linear l -> Stream.of(l.doneLabel(), l.failedLabel()).filter(Objects::nonNull).toList();
            case Airtable a -> List.of();
        };
    }

    /** Comments and labels on the Todoist task. */
    record Todoist(boolean comment, String doneLabel, String failedLabel) implements Output {
        @Override
        public String sink() {
            return "todoist";
        }
    }

    /**
     * A tracking comment and labels on the GitHub issue or pull request; {@code workingLabel} is held while a
     * run goes on. For a task with no issue (a push, a schedule), {@code fileFindings} files a successful run's
     * findings as a new issue in {@code findingsRepository} (a push's own repository when null).
     */
    record GitHub(boolean comment, String workingLabel, String doneLabel, String failedLabel, boolean fileFindings,
            String findingsRepository) implements Output {

        /** The labels a worker gets when it names none; "" names none. */
        public static final String WORKING = "agent-working", DONE = "agent-done", FAILED = "agent-failed";

        @Override
        public String sink() {
            return "github";
        }
    }

    /**
     * A record per finished run in an Airtable table, upserted on {@code externalIdField} (the run id); each
     * field's value is a template over the run ({@code RunFields}).
     */
    record Airtable(String base, String table, String externalIdField, Map<String, String> fields) implements Output {
        @Override
        public String sink() {
            return "airtable";
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
