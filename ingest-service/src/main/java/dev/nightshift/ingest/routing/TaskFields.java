package dev.nightshift.ingest.routing;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.GitHubPush;
import dev.nightshift.events.LinearIssue;
import dev.nightshift.events.TaskRef;

/**
 * What a goal can name, from the task and its source's reference. Fields a source lacks render empty.
 *
 * @param sourceName the source as people know it (Todoist, GitHub...), for the prompt's note on its data
 */
public record TaskFields(Map<String, String> values, String sourceName) {

    public static final Set<String> NAMES = Set.of("title", "description", "body", "conversation", "labels", "url", "task_key",
            "source", "repository", "number", "branch", "commit_range", "identifier");
    /** Text a person wrote: put in the prompt as delimited data. */
    static final Set<String> WRITTEN_BY_PEOPLE = Set.of("title", "description", "body", "conversation", "labels");

    public String value(String name) {
        return values.getOrDefault(name, "");
    }

    public static TaskFields of(String taskKey, TaskRef task) {
        Map<String, String> v = new HashMap<>();
        v.put("title", task.getTitle());
        v.put("description", task.getDescription());
        v.put("body", task.getDescription());
        v.put("labels", String.join(", ", task.getLabels()));
        v.put("url", task.getUrl() == null ? "" : task.getUrl());
        v.put("task_key", taskKey);
        v.put("source", task.getSource().name().toLowerCase());
        switch (task.getReference()) {
            case GitHubIssue i -> {
                v.put("repository", i.getRepository());
                v.put("number", String.valueOf(i.getNumber()));
            }
            case GitHubPush p -> {
                v.put("repository", p.getRepository());
                v.put("branch", p.getBranch());
                v.put("commit_range", p.getBefore() + ".." + p.getAfter());
            }
            case LinearIssue l -> {
                v.put("identifier", l.getIdentifier());
                // an agent session's task text is the conversation so far (Linear's prompt context, then follow-ups)
                if (l.getAgentSessionId() != null) {
                    v.put("conversation", task.getDescription());
                }
            }
            case null, default -> {
            }
        }
        return new TaskFields(Map.copyOf(v), switch (task.getSource()) {
            case TODOIST -> "Todoist";
            case GITHUB -> "GitHub";
            case LINEAR -> "Linear";
            case SCHEDULE -> "the schedule";
            case API -> "a request to the task API";
            case UNKNOWN -> "its source";
        });
    }
}
