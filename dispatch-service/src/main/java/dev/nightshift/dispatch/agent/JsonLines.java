package dev.nightshift.dispatch.agent;

import java.util.Optional;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Agents that print one JSON object per line also print other things (warnings, banners): those are skipped. */
final class JsonLines {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JsonLines() {
    }

    /** The line's object, or empty for a line that is not one. */
    static Optional<JsonNode> object(String line) {
        if (line.isBlank() || line.charAt(0) != '{') {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(line));
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }
}
