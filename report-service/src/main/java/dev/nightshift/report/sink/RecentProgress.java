package dev.nightshift.report.sink;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The last progress lines of each run in flight, and whether its progress comment is due an edit: at most
 * one edit per interval and run, so a run's thirty tool uses become a few edits, not thirty writes against
 * the target's rate limit. Kept in memory: after a restart a comment shows only the lines since.
 */
public final class RecentProgress {

    private static final int LINES = 5;
    private static final int RUNS = 10_000;

    private final Duration interval;
    private final Clock clock;
    private final Map<String, Run> runs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Run> eldest) {
            return size() > RUNS;
        }
    };

    private static final class Run {
        final Deque<String> lines = new ArrayDeque<>();
        long editedAt = Long.MIN_VALUE;
    }

    public RecentProgress(Duration interval, Clock clock) {
        this.interval = interval;
        this.clock = clock;
    }

    /** Adds a line; returns the lines to show when an edit is due now, else empty (the line waits for the next). */
    public synchronized Optional<List<String>> add(String runId, String line) {
        Run run = runs.computeIfAbsent(runId, id -> new Run());
        run.lines.addLast(line);
        while (run.lines.size() > LINES) {
            run.lines.removeFirst();
        }
        long now = clock.millis();
        if (run.editedAt != Long.MIN_VALUE && now - run.editedAt < interval.toMillis()) {
            return Optional.empty();
        }
        run.editedAt = now;
        return Optional.of(new ArrayList<>(run.lines));
    }

    public synchronized void finished(String runId) {
        runs.remove(runId);
    }
}
