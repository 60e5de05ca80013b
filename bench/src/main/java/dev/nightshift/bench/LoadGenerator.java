package dev.nightshift.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The ingest bench's load generator, in its own JVM so that what it spends is not charged to the server it
 * measures. Told what to do on stdin, one command a line, and answers each with one {@code result} line:
 * <pre>
 * closed PORT DELIVERIES CONNECTIONS SECONDS MAX   a closed loop: each connection sends its next request when the
 *                                                   last was answered, for SECONDS or until MAX were sent (0: no cap)
 * open PORT DELIVERIES CONNECTIONS RATE SECONDS    an open loop: requests due RATE a second, each timed from when it
 *                                                   was due (so a stall counts for every request it held up)
 * result OK SECONDS P50_MS P99_MS ERRORS [FIRST_ERROR]
 * </pre>
 * OK counts answers 200 with the result the deliveries expect; ERRORS everything else (other statuses, other
 * results, broken connections). Request numbers never repeat within one generator: every delivery is a new task.
 * Started by {@link IngestBench} with the secrets in its environment and a run id as its argument.
 */
public final class LoadGenerator {

    private final String run;
    private final List<Deliveries> deliveries;
    private final Map<String, AtomicLong> numbers = new ConcurrentHashMap<>();

    private LoadGenerator(String run, List<Deliveries> deliveries) {
        this.run = run;
        this.deliveries = deliveries;
    }

    public static void main(String[] args) throws Exception {
        LoadGenerator generator = new LoadGenerator(args[0],
                Deliveries.all(System.getenv(Deliveries.TODOIST_SECRET_ENV), System.getenv(Deliveries.GITHUB_SECRET_ENV)));
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = commands.readLine(); line != null && !line.equals("quit"); line = commands.readLine()) {
            String[] c = line.split(" ");
            Deliveries d = Deliveries.named(generator.deliveries, c[2]).orElseThrow(() -> new IllegalArgumentException("no deliveries " + c[2]));
            Outcome outcome = switch (c[0]) {
                case "closed" -> generator.closed(Integer.parseInt(c[1]), d, Integer.parseInt(c[3]), Double.parseDouble(c[4]), Long.parseLong(c[5]));
                case "open" -> generator.open(Integer.parseInt(c[1]), d, Integer.parseInt(c[3]), Double.parseDouble(c[4]), Double.parseDouble(c[5]));
                default -> throw new IllegalArgumentException("unknown command " + line);
            };
            System.out.println(outcome.line());
            System.out.flush();
        }
    }

    /** What one connection saw. */
    private static final class Tally {
        long[] latencies = new long[4096];
        int count;
        long ok;
        long errors;

        void add(long nanos) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }
    }

    private record Outcome(long ok, double seconds, double p50, double p99, long errors, String firstError) {
        String line() {
            return String.format(Locale.ROOT, "result %d %.3f %.3f %.3f %d %s", ok, seconds, p50, p99, errors, firstError == null ? "" : firstError.replace('\n', ' '))
                    .strip();
        }
    }

    private Outcome closed(int port, Deliveries d, int connections, double seconds, long max) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        AtomicLong tickets = new AtomicLong();
        return drive(port, d, connections, start, () -> {
            long now = System.nanoTime();
            return now < end && (max == 0 || tickets.getAndIncrement() < max) ? now : -1;
        });
    }

    private Outcome open(int port, Deliveries d, int connections, double rate, double seconds) throws InterruptedException {
        long start = System.nanoTime() + 50_000_000; // every connection's thread running before the first is due
        double interval = 1e9 / rate;
        long count = (long) (rate * seconds);
        AtomicLong tickets = new AtomicLong();
        return drive(port, d, connections, start, () -> {
            long i = tickets.getAndIncrement();
            if (i >= count) {
                return -1;
            }
            long due = start + (long) (i * interval);
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            return due;
        });
    }

    /** The next request's due time (its latency is counted from it), or -1 when the connection is done. */
    private interface Schedule {
        long next();
    }

    private Outcome drive(int port, Deliveries d, int connections, long start, Schedule schedule) throws InterruptedException {
        AtomicLong number = numbers.computeIfAbsent(d.key(), k -> new AtomicLong());
        AtomicReference<String> firstError = new AtomicReference<>();
        Tally[] tallies = new Tally[connections];
        Thread[] threads = new Thread[connections];
        byte[] expected = ("\"result\":\"" + d.expected() + "\"").getBytes(StandardCharsets.UTF_8);
        for (int t = 0; t < connections; t++) {
            Tally tally = tallies[t] = new Tally();
            threads[t] = Thread.ofPlatform().name("load-" + t).start(() -> {
                try (HttpConnection connection = new HttpConnection(port)) {
                    for (long due = schedule.next(); due >= 0; due = schedule.next()) {
                        Deliveries.Request request = d.request(port, run, number.incrementAndGet());
                        try {
                            HttpConnection.Answer answer = connection.exchange(request);
                            if (answer.status() == 200 && contains(answer.body(), expected)) {
                                tally.ok++;
                            } else {
                                tally.errors++;
                                firstError.compareAndSet(null, answer.status() + " " + HttpConnection.text(answer.body()));
                            }
                        } catch (Exception e) {
                            tally.errors++;
                            firstError.compareAndSet(null, e.toString());
                        }
                        tally.add(System.nanoTime() - due);
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] all = Arrays.stream(tallies).flatMapToLong(s -> Arrays.stream(s.latencies, 0, s.count)).sorted().toArray();
        long ok = Arrays.stream(tallies).mapToLong(s -> s.ok).sum();
        long errors = Arrays.stream(tallies).mapToLong(s -> s.errors).sum();
        return new Outcome(ok, seconds, percentile(all, 50), percentile(all, 99), errors, firstError.get());
    }

    private static boolean contains(byte[] body, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= body.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (body[i + j] != part[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static double percentile(long[] sorted, int p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
