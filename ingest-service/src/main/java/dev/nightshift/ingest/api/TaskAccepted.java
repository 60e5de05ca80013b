package dev.nightshift.ingest.api;

/** What {@code POST /api/tasks} answers: the task's key, and whether this request published it or an earlier one had. */
public record TaskAccepted(String result, String taskKey, String version) {
}
