package dev.nightshift.dispatch.engine;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

/**
 * The engine's one thread: steps run there one at a time, in the order posted, so what the engine knows needs
 * no locks. Timers post their step later. Injected, so a test runs the steps itself against a clock it moves.
 */
interface EngineLoop extends Executor {

    /** Runs the step on the loop's thread, after the steps posted before it. */
    @Override
    void execute(Runnable step);

    /** Runs the step on the loop's thread once {@code delay} has passed, unless cancelled first. */
    Timer schedule(Duration delay, Runnable step);

    /** Runs the step on the loop's thread every {@code period}, the first time one period from now. */
    void every(Duration period, Runnable step);

    /** From another thread: runs the step on the loop's thread and waits for its answer. */
    <T> T call(Callable<T> step);

    /** Runs what was posted, then no more; waits up to {@code atMost} for it. */
    void shutdown(Duration atMost);

    /** A step waiting for its time. */
    interface Timer {
        void cancel();
    }
}
