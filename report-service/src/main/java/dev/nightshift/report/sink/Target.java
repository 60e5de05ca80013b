package dev.nightshift.report.sink;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.nightshift.report.target.TargetFault;
import io.github.bucket4j.BlockingBucket;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;

/**
 * One target API and credential, called politely: requests spaced evenly by a Bucket4j token bucket under
 * the API's documented limit; a call retried by a Resilience4j {@link Retry} on a 5xx or a dropped
 * connection (exponential backoff with jitter) and on a rate limit (after the wait the target asked for);
 * every retry logged with its reason; while the target asks to wait, no thread calls it. A wait longer than
 * {@link Limits#inCallWait()}, a rejected credential and a refusal leave the call as a {@link TargetFault}.
 */
public final class Target {

    private static final Logger log = LoggerFactory.getLogger(Target.class);

    private final String name;
    private final Limits limits;
    private final SinkGate gate;
    private final BlockingBucket limiter;
    private final BlockingBucket sustained;
    private final Retry retry;
    private final MeterRegistry meters;
    private final Timer rateWaits;
    /** Epoch millis before which the target asked not to be called. */
    private final AtomicLong quietUntil = new AtomicLong();

    public Target(String name, Limits limits, SinkGate gate, MeterRegistry meters) {
        this.name = name;
        this.limits = limits;
        this.gate = gate;
        this.meters = meters;
        // one token, refilled one spacing after it was taken: two requests are never closer than the spacing
        // (a limiter that refills in fixed cycles lets two through close together at a cycle's edge)
        this.limiter = Bucket.builder()
                .addLimit(limit -> limit.capacity(1).refillGreedy(1, limits.spacing()))
                .build().asBlocking();
        this.sustained = limits.sustained() == null ? null : Bucket.builder()
                .addLimit(limit -> limit.capacity(limits.sustained().requests())
                        .refillIntervally(limits.sustained().requests(), limits.sustained().period()))
                .build().asBlocking();
        IntervalFunction backoff = IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(500), 2.0, 0.5, Duration.ofSeconds(10));
        this.retry = Retry.of(name, RetryConfig.custom()
                .maxAttempts(limits.attempts())
                .intervalBiFunction((Integer attempt, Either<Throwable, Object> outcome) -> outcome.isLeft() && outcome.getLeft() instanceof TargetFault.RateLimited limited
                        ? limited.waitFor().toMillis()
                        : backoff.apply(attempt))
                .retryOnException(e -> e instanceof TargetFault.Unavailable
                        || (e instanceof TargetFault.RateLimited limited && limited.waitFor().compareTo(limits.inCallWait()) <= 0))
                .failAfterMaxAttempts(false)
                .build());
        retry.getEventPublisher().onRetry(e -> log.warn("{}: {}; try {} of {} in {} ms", name, e.getLastThrowable().getMessage(),
                e.getNumberOfRetryAttempts() + 1, limits.attempts(), e.getWaitInterval().toMillis()));
        this.rateWaits = Timer.builder("nightshift.report.rate.waits")
                .description("Time calls waited for a target's rate limit (ours or the one it asked for)")
                .tag("target", name)
                .register(meters);
    }

    public String name() {
        return name;
    }

    /** Calls the target with this sink's limits; {@code what} names the call in logs and errors. */
    public <T> T call(String what, Supplier<T> call) {
        return Retry.decorateSupplier(retry, () -> once(what, call)).get();
    }

    /** A call that skips the gate and the retries: to check a credential while the sink is paused. */
    public <T> T probe(String what, Supplier<T> call) {
        return attempt(what, call);
    }

    private <T> T once(String what, Supplier<T> call) {
        gate.check(what);
        long started = System.nanoTime();
        long quiet = quietUntil.get() - System.currentTimeMillis();
        if (quiet > limits.inCallWait().toMillis()) {
            throw new TargetFault.RateLimited(what + " not sent: " + name + " asked to wait until " + Instant.ofEpochMilli(quietUntil.get()),
                    Duration.ofMillis(quiet), null);
        }
        if (quiet > 0) {
            sleep(quiet);
        }
        try {
            if (sustained != null) {
                sustained.consume(1);
            }
            limiter.consume(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetFault.Unavailable("interrupted while waiting for " + name + "'s rate limit", e);
        }
        rateWaits.record(Duration.ofNanos(System.nanoTime() - started));
        try {
            return attempt(what, call);
        } catch (TargetFault.RateLimited limited) {
            quietUntil.accumulateAndGet(System.currentTimeMillis() + limited.waitFor().toMillis(), Math::max);
            throw limited;
        } catch (TargetFault.CredentialRejected rejected) {
            gate.close(rejected.getMessage());
            throw rejected;
        }
    }

    private <T> T attempt(String what, Supplier<T> call) {
        try {
            T result = call.get();
            count("ok");
            return result;
        } catch (RestClientException e) {
            count(e instanceof RestClientResponseException r ? String.valueOf(r.getStatusCode().value()) : "io");
            throw HttpFaults.classify(what, e, limits, Instant.now());
        } catch (TargetFault fault) {
            count(fault.getClass().getSimpleName());
            throw fault;
        }
    }

    private void count(String status) {
        Counter.builder("nightshift.report.calls")
                .description("Calls to the targets report writes to, by target and HTTP status")
                .tag("target", name)
                .tag("status", status)
                .register(meters)
                .increment();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetFault.Unavailable("interrupted while waiting for a rate limit", e);
        }
    }
}
