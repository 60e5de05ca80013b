package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import dev.nightshift.testkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Scheduled workers on three ingest replicas, each firing every slot of a two-second cron: each replica
 * publishes each slot (no coordination), and each slot runs once. Then every replica goes down for a few slots, one comes back: the worker
 * that says {@code missed: run} gets the last missed slot once, the one that says {@code skip} none.
 */
class ScheduleTest {

    @Test
    void threeReplicasFireEachSlotOnceAndAMissedSlotRunsOnceAtStartUp() throws Exception {
        RunningNightshift nightshift = RunningNightshift.get();
        String suffix = Long.toString(System.nanoTime() % 100_000);
        String ticker = "ticker-" + suffix;
        String skipper = "skipper-" + suffix;
        Path catalogue = Files.writeString(nightshift.catalogue.resolveSibling("scheduled-" + suffix + ".yml"),
                Files.readString(nightshift.catalogue) + """
                          - name: %s
                            trigger:
                              schedule:
                                cron: "*/2 * * * * *"
                                zone: Europe/Paris
                                missed: run
                            goal: "Audit the last commits ({{title}})"
                            agent:
                              adapter: claude
                            budget:
                              wall-time: 5s
                              max-attempts: 1
                          - name: %s
                            trigger:
                              schedule:
                                cron: "1/2 * * * * *"
                                missed: skip
                            goal: "Look for test gaps"
                            agent:
                              adapter: claude
                            budget:
                              wall-time: 5s
                              max-attempts: 1
                        """.formatted(ticker, skipper));
        Map<String, Object> scheduled = Map.of("nightshift.ingest.workers-file", catalogue);

        List<ConfigurableApplicationContext> replicas = List.of(nightshift.startIngestReplica(scheduled),
                nightshift.startIngestReplica(scheduled), nightshift.startIngestReplica(scheduled));
        Thread.sleep(7_000);
        replicas.forEach(ConfigurableApplicationContext::close);
        Instant down = Instant.now();

        Map<String, List<TaskEvent>> fired = slots(ticker);
        assertThat(fired).hasSizeGreaterThanOrEqualTo(3);
        assertThat(fired.values()).allSatisfy(events -> assertThat(events).hasSizeBetween(1, 3));
        List<Instant> times = fired.keySet().stream().map(ScheduleTest::slotOf).sorted().toList();
        for (int i = 1; i < times.size(); i++) {
            // not one slot skipped in between
            assertThat(Duration.between(times.get(i - 1), times.get(i))).isEqualTo(Duration.ofSeconds(2));
        }
        TaskEvent first = fired.values().iterator().next().getFirst();
        assertThat(first.getTask().getSource()).isEqualTo(Source.SCHEDULE);
        assertThat(((TaskRequested) first.getBody()).getTaskVersion()).isEqualTo("slot");
        assertThat(Prompts.normalized(((TaskRequested) first.getBody()).getPrompt()))
                .startsWith("Audit the last commits (<task-data-N field=\"title\">" + ticker + ", scheduled for ");
        assertThat(slots(skipper).values()).allSatisfy(events -> assertThat(events).hasSizeBetween(1, 3));

        for (String key : fired.keySet()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> runs(key).stream().anyMatch(e -> e.getBody() instanceof RunFinished));
            assertThat(runs(key).stream().filter(e -> e.getBody() instanceof RunStarted)).as(key).hasSize(1);
        }

        // every replica down across at least two slots of each worker
        Thread.sleep(Math.max(0, down.plusSeconds(5).toEpochMilli() - System.currentTimeMillis()));
        ConfigurableApplicationContext back = nightshift.startIngestReplica(scheduled);
        try {
            Instant started = Instant.now();
            // the first slot published after the outage is the catch-up: fired at start-up, the last of the missed
            // ones (those before it, down more than 2 s, stay unpublished); then every slot on time, none skipped.
            // The catch-up is published asynchronously (a new replica's first publication is slow): wait for three.
            await().atMost(Duration.ofSeconds(30)).until(() -> afterOutage(ticker, down).size() >= 3);
            List<Instant> afterOutage = afterOutage(ticker, down);
            assertThat(afterOutage.getFirst()).isAfter(down.plusSeconds(4)).isBefore(started);
            for (int i = 1; i < afterOutage.size(); i++) {
                assertThat(Duration.between(afterOutage.get(i - 1), afterOutage.get(i))).isEqualTo(Duration.ofSeconds(2));
            }
            // the worker that skips missed slots fires only on time, after the replica began to start
            Instant refreshed = Instant.ofEpochMilli(back.getStartupDate());
            assertThat(slots(skipper).keySet().stream().map(ScheduleTest::slotOf).filter(t -> t.isAfter(down)))
                    .allSatisfy(t -> assertThat(t).isAfter(refreshed));
        } finally {
            back.close();
        }
    }

    private static List<Instant> afterOutage(String worker, Instant down) {
        return slots(worker).keySet().stream().map(ScheduleTest::slotOf).filter(t -> t.isAfter(down)).sorted().toList();
    }

    /** The worker's fired slots: task key to its events. */
    private static Map<String, List<TaskEvent>> slots(String worker) {
        return TopicReader.readAll(Topics.TASKS).stream()
                .filter(r -> r.key().startsWith("schedule:" + worker + "@"))
                .collect(Collectors.groupingBy(ConsumerRecord::key, TreeMap::new,
                        Collectors.mapping(r -> (TaskEvent) r.value(), Collectors.toList())));
    }

    private static Instant slotOf(String taskKey) {
        return Instant.parse(taskKey.substring(taskKey.indexOf('@') + 1));
    }

    private static List<RunEvent> runs(String taskKey) {
        return TopicReader.valuesFor(Topics.RUNS, taskKey).stream().map(RunEvent.class::cast).toList();
    }
}
