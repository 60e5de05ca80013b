package dev.nightshift.dispatch.agent;

import tools.jackson.databind.JsonNode;

/** Turns an agent's tool use into the status line a person reads, as the reference worker does. */
final class ToolUseLines {

    private static final int MAX = 120;

    private ToolUseLines() {
    }

    static String describe(String tool, JsonNode input) {
        return cut(switch (tool) {
            case "Read", "NotebookRead" -> "Reading " + path(input, "file_path", "notebook_path");
            case "Write", "Edit", "MultiEdit", "NotebookEdit" -> "Writing " + path(input, "file_path", "notebook_path");
            case "Bash" -> "Running " + firstLine(input.path("command").asString(""));
            case "Glob", "Grep" -> "Searching for " + input.path("pattern").asString("files");
            case "LS" -> "Listing " + path(input, "path", "path");
            case "Delete" -> "Deleting " + path(input, "file_path", "file_path");
            case "WebSearch" -> "Searching the web for " + input.path("query").asString("");
            case "WebFetch" -> "Reading " + input.path("url").asString("a web page");
            default -> "Using " + tool;
        });
    }

    private static String path(JsonNode input, String field, String alternative) {
        String p = input.path(field).asString(input.path(alternative).asString("a file"));
        return p.startsWith("/workspace/") ? p.substring("/workspace/".length()) : p;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }

    private static String cut(String s) {
        return s.length() <= MAX ? s : s.substring(0, MAX - 3) + "...";
    }
}
