package dev.nightshift.ingest.limit;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nightshift.ingest.routing.Worker;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;

/**
 * Runs per hour, per worker and per worker and author: a Bucket4j token bucket each, of the hour's number of
 * runs, refilled greedily (one run's worth every hour/N), so a burst of N passes and then N an hour. The counts
 * are this replica's own: with R ingest replicas behind a balancer a worker may start up to R times its cap.
 * Author buckets live in a Caffeine cache bounded in number and dropped an hour after their last use (by then
 * full again, so nothing is forgotten that counts). Past a cap, a reply is due once per worker, author and hour
 * of the clock: the cap window.
 */
public final class RunCaps {

    private static final Duration HOUR = Duration.ofHours(1);

    /** What a request may do. */
    public sealed interface Admission {
        /** Start the run; {@link #refund} when it turns out not to be a new one (a duplicate, or not published). */
        record Admitted(Runnable refund) implements Admission {
        }

        /**
         * No run. {@code replyDue} is true for the first refusal of this worker and author in this window
         * ({@code window}: hours since the epoch).
         */
        record Capped(String reason, String scope, boolean replyDue, long window) implements Admission {
        }
    }

    private final LimitsProperties defaults;
    private final Clock clock;
    private final TimeMeter time;
    private final ConcurrentMap<String, Bucket> workers = new ConcurrentHashMap<>();
    private final Cache<String, Bucket> authors;
    private final Cache<String, Long> replied;

    public RunCaps(LimitsProperties defaults, Clock clock) {
        this.defaults = defaults;
        this.clock = clock;
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return TimeUnit.MILLISECONDS.toNanos(clock.millis());
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
        this.authors = Caffeine.newBuilder().maximumSize(defaults.maxAuthors()).expireAfterAccess(HOUR)
                .ticker(time::currentTimeNanos).build();
        this.replied = Caffeine.newBuilder().maximumSize(defaults.maxAuthors()).expireAfterWrite(HOUR.multipliedBy(2))
                .ticker(time::currentTimeNanos).build();
    }

    /**
     * Takes one run of the worker for this author (null: a request with no person behind it, counted against the
     * worker only).
     */
    public Admission admit(Worker worker, String author) {
        int perWorker = worker.limits() != null && worker.limits().runsPerHour() != null ? worker.limits().runsPerHour() : defaults.runsPerHour();
        int perAuthor = worker.limits() != null && worker.limits().runsPerAuthorPerHour() != null
                ? worker.limits().runsPerAuthorPerHour() : defaults.runsPerAuthorPerHour();
        Bucket byAuthor = author == null ? null : authors.get(worker.name() + "\u0000" + author, k -> bucket(perAuthor));
        if (byAuthor != null && !byAuthor.tryConsume(1)) {
            return capped(worker, author, "author", author + " has started " + perAuthor + " runs of worker " + worker.name()
                    + " in the last hour (" + setting(worker, "runs-per-author-per-hour") + ")");
        }
        Bucket byWorker = workers.computeIfAbsent(worker.name(), k -> bucket(perWorker));
        if (!byWorker.tryConsume(1)) {
            if (byAuthor != null) {
                byAuthor.addTokens(1);
            }
            return capped(worker, author, "worker", "worker " + worker.name() + " has started " + perWorker + " runs in the last hour ("
                    + setting(worker, "runs-per-hour") + ")");
        }
        AtomicBoolean refunded = new AtomicBoolean();
        return new Admission.Admitted(() -> {
            if (refunded.compareAndSet(false, true)) {
                byWorker.addTokens(1);
                if (byAuthor != null) {
                    byAuthor.addTokens(1);
                }
            }
        });
    }

    /** How many per-author counts are kept now (bounded by {@code max-authors}). */
    long authorsKept() {
        authors.cleanUp();
        return authors.estimatedSize();
    }

    private Admission capped(Worker worker, String author, String scope, String reason) {
        long window = clock.millis() / HOUR.toMillis();
        boolean[] due = {false};
        replied.asMap().compute(worker.name() + "\u0000" + author, (k, last) -> {
            due[0] = last == null || last != window;
            return window;
        });
        return new Admission.Capped(reason, scope, due[0], window);
    }

    private Bucket bucket(int perHour) {
        return Bucket.builder().addLimit(l -> l.capacity(perHour).refillGreedy(perHour, HOUR)).withCustomTimePrecision(time).build();
    }

    private static String setting(Worker worker, String key) {
        return worker.limits() != null && (key.equals("runs-per-hour") ? worker.limits().runsPerHour() : worker.limits().runsPerAuthorPerHour()) != null
                ? "worker " + worker.name() + "'s limits." + key
                : "nightshift.ingest.limits." + key;
    }
}
