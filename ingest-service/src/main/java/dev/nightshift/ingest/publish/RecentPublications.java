package dev.nightshift.ingest.publish;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * What this replica published lately, bounded in number and age: it answers obvious repeats (a sender's
 * retry, a webhook and a poll of the same item) without a write. It is an economy, not a guarantee: another
 * replica, or this one after a restart, publishes again, and dispatch's ledger runs the version once.
 * A publication under way holds its key, so a repeat arriving meanwhile waits for its outcome instead of
 * writing too; a publication that failed frees it.
 */
public final class RecentPublications {

    /** What a caller should do with a key. */
    public sealed interface Turn {
        /** Publish; then report the outcome with {@link #done} or {@link #failed}. */
        record Publish(CompletableFuture<Void> outcome) implements Turn {
        }

        /** Published lately, here. */
        record Repeat() implements Turn {
        }
    }

    private final ConcurrentMap<String, CompletableFuture<Void>> recent;

    public RecentPublications(long maxKeys, Duration maxAge, Ticker ticker) {
        this.recent = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(maxAge).ticker(ticker)
                // evictions on the caller's thread: the bound holds at once, with no pool of its own
                .executor(Runnable::run)
                .<String, CompletableFuture<Void>>build().asMap();
    }

    /** Takes the key to publish it, or says it is a repeat (waiting, until the deadline, for a publication under way). */
    public Turn take(String key, long deadlineMillis) {
        while (true) {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> held = recent.putIfAbsent(key, mine);
            if (held == null) {
                return new Turn.Publish(mine);
            }
            try {
                held.get(Math.max(1, deadlineMillis - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                return new Turn.Repeat();
            } catch (ExecutionException failed) {
                // the other attempt failed and freed the key: take it
                recent.remove(key, held);
            } catch (TimeoutException e) {
                throw new RetryLater("a publication of " + key + " is under way here and has not finished; try again", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetryLater("interrupted while waiting for the publication of " + key, e);
            }
        }
    }

    public void done(Turn.Publish turn) {
        turn.outcome().complete(null);
    }

    public void failed(String key, Turn.Publish turn, RuntimeException why) {
        recent.remove(key, turn.outcome());
        turn.outcome().completeExceptionally(why);
    }

    /** Whether the key was published here lately (a publication under way does not count yet). */
    public boolean published(String key) {
        CompletableFuture<Void> held = recent.get(key);
        return held != null && held.isDone() && !held.isCompletedExceptionally();
    }

    /** The keys with this prefix published here lately, sorted. */
    public List<String> publishedWithPrefix(String prefix) {
        return recent.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix) && e.getValue().isDone() && !e.getValue().isCompletedExceptionally())
                .map(Map.Entry::getKey).sorted().toList();
    }
}
