package dev.nightshift.ingest.routing;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A worker's goal: text with {@code {{placeholders}}} filled from the task. Unknown placeholders are
 * refused when the catalogue loads, so a typo never reaches an agent as literal braces.
 */
public record PromptTemplate(String text) {

    public static final Set<String> PLACEHOLDERS = Set.of("title", "description", "url", "task_key");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([a-z_]+)\\s*}}");

    public PromptTemplate {
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                throw new IllegalArgumentException("unknown placeholder {{" + m.group(1) + "}}; known: " + PLACEHOLDERS);
            }
        }
    }

    public String render(Map<String, String> values) {
        return PLACEHOLDER.matcher(text).replaceAll(m -> Matcher.quoteReplacement(values.getOrDefault(m.group(1), "")));
    }
}
