package dev.nightshift.dispatch.engine;

import dev.nightshift.testkit.FakeClock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;

/**
 * The engine's loop on the test's own thread: a step posted runs at once (after the steps before it), and so does a
 * timer whose time has come; time moves only when the test {@link #advance}s the clock. Deterministic: the same
 * test runs the same steps in the same order every time.
 */
final class ManualLoop implements EngineLoop {

    private static final class Due {
        final Instant at;
        final long order;
        final Runnable step;
        final Duration period;
        boolean cancelled;

        Due(Instant at, long order, Runnable step, Duration period) {
            this.at = at;
            this.order = order;
            this.step = step;
            this.period = period;
        }
    }

    private final FakeClock clock;
    private final ArrayDeque<Runnable> steps = new ArrayDeque<>();
    private final PriorityQueue<Due> timers = new PriorityQueue<>(Comparator.<Due, Instant>comparing(d -> d.at).thenComparingLong(d -> d.order));
    private long order;
    private boolean draining;
    private boolean shutDown;

    ManualLoop(FakeClock clock) {
        this.clock = clock;
    }

    @Override
    public void execute(Runnable step) {
        if (shutDown) {
            throw new RejectedExecutionException("the loop is shut down");
        }
        steps.add(step);
        drain();
    }

    @Override
    public Timer schedule(Duration delay, Runnable step) {
        Due due = new Due(clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay), order++, step, null);
        timers.add(due);
        drain();
        return () -> due.cancelled = true;
    }

    @Override
    public void every(Duration period, Runnable step) {
        timers.add(new Due(clock.instant().plus(period), order++, step, period));
    }

    @Override
    public <T> T call(Callable<T> step) {
        drain();
        try {
            return step.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void shutdown(Duration atMost) {
        drain();
        shutDown = true;
    }

    /** Moves the clock on by {@code d}, running each timer at its time, and what it posts, in order. */
    void advance(Duration d) {
        Instant end = clock.instant().plus(d);
        for (Due next; (next = timers.peek()) != null && !next.at.isAfter(end); ) {
            clock.set(next.at);
            drain();
        }
        clock.set(end);
        drain();
    }

    /** Runs the steps posted and the timers due, until there are none. */
    private void drain() {
        if (draining || shutDown) {
            return;
        }
        draining = true;
        try {
            while (true) {
                Runnable step = steps.poll();
                if (step == null) {
                    Due due = timers.peek();
                    if (due == null || due.at.isAfter(clock.instant())) {
                        return;
                    }
                    timers.poll();
                    if (due.cancelled) {
                        continue;
                    }
                    if (due.period != null) {
                        timers.add(new Due(due.at.plus(due.period), order++, due.step, due.period));
                    }
                    step = due.step;
                }
                step.run();
            }
        } finally {
            draining = false;
        }
    }
}
