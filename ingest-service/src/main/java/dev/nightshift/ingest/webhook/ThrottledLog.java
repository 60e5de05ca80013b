package dev.nightshift.ingest.webhook;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import io.github.bucket4j.Bucket;

/**
 * A log line that may come thousands of times a second under attack or an outage: at most {@code perMinute}
 * lines a minute (a Bucket4j token bucket), each saying how many were left out since the last.
 */
final class ThrottledLog {

    private final Bucket bucket;
    private final AtomicLong suppressed = new AtomicLong();

    ThrottledLog(int perMinute) {
        this.bucket = Bucket.builder()
                .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                .build();
    }

    /** Calls {@code line} with the message (and how many were left out before it), or counts it as left out. */
    void log(String message, BiConsumer<String, Long> line) {
        if (bucket.tryConsume(1)) {
            line.accept(message, suppressed.getAndSet(0));
        } else {
            suppressed.incrementAndGet();
        }
    }
}
