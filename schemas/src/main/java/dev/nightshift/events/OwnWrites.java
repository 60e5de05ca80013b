package dev.nightshift.events;

/**
 * How Nightshift recognises its own writes when they come back as webhooks: every comment report writes
 * carries {@link #MARKER} (invisible in rendered Markdown), and ingest never starts work from one, even when
 * the token Nightshift writes with belongs to a person.
 */
public final class OwnWrites {

    public static final String MARKER = "<!-- nightshift -->";

    /**
     * The marker of one write of one run: {@link #MARKER} followed by the write's name, so a report that
     * crashed between making a comment and noting it can find the comment again instead of making another.
     */
    public static String marker(String runId, String write) {
        return MARKER + "<!-- " + runId + " " + write + " -->";
    }

    /** A text as report writes it: the text, then the write's marker on its own paragraph. */
    public static String marked(String text, String runId, String write) {
        return text + "\n\n" + marker(runId, write);
    }

    private OwnWrites() {
    }
}
