package dev.nightshift.events;

/**
 * How Nightshift recognises its own writes when they come back as webhooks: every comment report writes
 * carries {@link #MARKER} (invisible in rendered Markdown), and ingest never starts work from one, even when
 * the token Nightshift writes with belongs to a person.
 */
public final class OwnWrites {

    public static final String MARKER = "<!-- nightshift -->";

    private OwnWrites() {
    }
}
