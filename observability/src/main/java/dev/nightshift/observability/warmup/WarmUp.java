package dev.nightshift.observability.warmup;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Runs a service's {@link WarmUpPhase}s once its context has started and before it says it is ready, so the
 * first task after start-up is as fast as the hundredth. Spring's readiness ({@code ReadinessState}, published
 * after the application runners) waits for the first pass through the phases; the {@code warmUp} health
 * contributor (in every service's readiness group) is OUT_OF_SERVICE until every phase has passed. A phase
 * that fails (Kafka or the registry not reachable yet) is tried again with backoff while the service is alive
 * but not ready; start-up itself is held at most {@code nightshift.warm-up.wait}.
 */
public class WarmUp implements ApplicationRunner, HealthIndicator, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(WarmUp.class);

    private final List<WarmUpPhase> phases;
    private final Duration wait;
    private final Map<String, Long> tookMillis = new LinkedHashMap<>();
    private final CountDownLatch firstPass = new CountDownLatch(1);
    private final CompletableFuture<Void> warm = new CompletableFuture<>();
    private volatile String phase;
    private volatile String lastFailure;
    private volatile int failures;
    private volatile boolean closed;
    private Thread thread;

    /** @param wait how long start-up waits for a first pass that has not failed */
    public WarmUp(List<WarmUpPhase> phases, Duration wait) {
        this.phases = List.copyOf(phases);
        this.wait = wait;
    }

    @Override
    public void run(ApplicationArguments args) throws InterruptedException {
        thread = Thread.ofPlatform().name("warm-up").daemon().start(this::warmAll);
        if (!firstPass.await(wait.toMillis(), TimeUnit.MILLISECONDS) && wait.isPositive()) {
            log.warn("still warming up after {} ({}): starting, not ready until warm (nightshift.warm-up.wait)", wait, progress());
        }
    }

    private void warmAll() {
        long start = System.nanoTime();
        BackOffExecution backOff = null;
        for (WarmUpPhase p : phases) {
            phase = p.name();
            while (true) {
                long started = System.nanoTime();
                try {
                    p.warm();
                    synchronized (tookMillis) {
                        tookMillis.put(p.name(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                    }
                    break;
                } catch (Exception e) {
                    if (closed || e instanceof InterruptedException) {
                        return;
                    }
                    failures++;
                    lastFailure = p.name() + ": " + rootMessage(e);
                    firstPass.countDown();
                    if (backOff == null) {
                        ExponentialBackOff policy = new ExponentialBackOff(1_000, 2.0);
                        policy.setMaxInterval(30_000);
                        backOff = policy.start();
                    }
                    long next = backOff.nextBackOff();
                    log.warn("not warm yet: {}; trying again in {} ms (not ready meanwhile)", lastFailure, next);
                    try {
                        Thread.sleep(next);
                    } catch (InterruptedException stop) {
                        return;
                    }
                }
            }
        }
        phase = null;
        warm.complete(null);
        firstPass.countDown();
        log.info("warm in {} ms: {}", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), took());
    }

    /** Each phase passed so far and how long its passing try took, in ms. */
    public Map<String, Long> took() {
        synchronized (tookMillis) {
            return new LinkedHashMap<>(tookMillis);
        }
    }

    public boolean isWarm() {
        return warm.isDone();
    }

    /** Waits until every phase has passed; false if that took longer than {@code atMost}. */
    public boolean awaitWarm(Duration atMost) throws InterruptedException {
        try {
            warm.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What it is warming now, and its last failure if it had one: for whoever waits for it. */
    public String progress() {
        String now = phase;
        if (now == null) {
            return isWarm() ? "warm" : "not started";
        }
        return failures == 0 ? now : now + " (" + failures + " failure(s), last " + lastFailure + ")";
    }

    @Override
    public Health health() {
        if (isWarm()) {
            Health.Builder up = Health.up();
            took().forEach((name, millis) -> up.withDetail(name, millis + " ms"));
            return up.build();
        }
        Health.Builder not = Health.outOfService().withDetail("warming", phase == null ? "not started" : phase);
        if (failures > 0) {
            not.withDetail("failures", failures).withDetail("lastFailure", lastFailure);
        }
        return not.build();
    }

    @Override
    public void destroy() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? e.toString() : e.getMessage() + " (" + t + ")";
    }
}
