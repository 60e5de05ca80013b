package dev.nightshift.standalone;

import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) for the person at the terminal: the first one stops Nightshift in order, as the JVM's own
 * handler does (exit, so the shutdown hook runs); one that comes while that stop goes on runs {@code again}.
 * The JVM does nothing with a signal that comes while its shutdown hooks run, and Java has no public API for
 * signals: {@code sun.misc.Signal} (module jdk.unsupported, kept accessible for this by JEP 260) is the one
 * way to see the second. SIGTERM keeps the JVM's handling: a service manager's stop waits as configured.
 */
final class CtrlC {

    private final AtomicBoolean stopping = new AtomicBoolean();

    /**
     * Replaces the JVM's SIGINT handler (where SIGINT is ignored, as under nohup, it stays ignored).
     *
     * @return false where the JVM keeps SIGINT to itself (-Xrs): a Ctrl-C then does only what the JVM does
     */
    boolean install(Runnable again) {
        try {
            Signal.handle(new Signal("INT"), signal -> {
                if (stopping.compareAndSet(false, true)) {
                    System.exit(128 + signal.getNumber()); // as the JVM's handler; this thread waits for the hooks
                } else {
                    again.run();
                }
            });
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The stop began (Ctrl-C, SIGTERM or exit): a Ctrl-C from now on is a second one. */
    void stopping() {
        stopping.set(true);
    }
}
