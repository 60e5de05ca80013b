package dev.nightshift.dispatch.engine;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** The engine's loop on a platform thread of its own ("dispatcher"). */
final class ThreadLoop implements EngineLoop {

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("dispatcher").factory());

    @Override
    public void execute(Runnable step) {
        thread.execute(step);
    }

    @Override
    public Timer schedule(Duration delay, Runnable step) {
        ScheduledFuture<?> timer = thread.schedule(step, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        return () -> timer.cancel(false);
    }

    @Override
    public void every(Duration period, Runnable step) {
        thread.scheduleWithFixedDelay(step, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public <T> T call(Callable<T> step) {
        try {
            return thread.submit(step).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the dispatcher's thread", e);
        } catch (Exception e) {
            throw new IllegalStateException("the dispatcher's thread did not answer", e);
        }
    }

    @Override
    public void shutdown(Duration atMost) {
        thread.shutdown();
        try {
            thread.awaitTermination(atMost.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
