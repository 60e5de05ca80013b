package dev.nightshift.events;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro refuses to instantiate classes it does not trust; the serdes need our generated event classes.
 * Each service calls {@link #trust()} once before its first record is read or written.
 */
public final class TrustedEvents {

    private static boolean trusted;

    private TrustedEvents() {
    }

    public static synchronized void trust() {
        if (trusted) {
            return;
        }
        String events = TaskEvent.class.getPackageName();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
                ClassSecurityValidator.getGlobal(), c -> c.getPackageName().equals(events)));
        trusted = true;
    }
}
