package dev.nightshift.ingest.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.ingest.publish.TaskPublisher;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Trigger.Schedule;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Fires every scheduled worker at each slot of its cron expression, in its time zone. Every ingest replica
 * fires every slot; the once-only publication (task key {@code schedule:<worker>@<slot>}) lets one through.
 * At start-up, a worker that says {@code missed: run} gets the last slot that has passed, published unless
 * it already was: the slot missed while no replica was up runs once (and a new worker's last slot, once).
 */
@Component
public class Schedules implements SmartLifecycle {

    /** Every slot is one request: its one version. */
    public static final String SLOT_VERSION = "slot";
    private static final Logger log = LoggerFactory.getLogger(Schedules.class);
    /** How far back start-up looks for the last slot: a schedule rarer than that has nothing to catch up. */
    private static final List<Duration> LOOK_BACK = List.of(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1),
            Duration.ofDays(32), Duration.ofDays(367));

    private final WorkerCatalogue catalogue;
    private final TaskPublisher publisher;
    private final SimpleAsyncTaskScheduler scheduler = new SimpleAsyncTaskScheduler();
    private volatile boolean running;

    public Schedules(WorkerCatalogue catalogue, TaskPublisher publisher) {
        this.catalogue = catalogue;
        this.publisher = publisher;
        scheduler.setVirtualThreads(true);
        scheduler.setThreadNamePrefix("ingest-schedule-");
    }

    @Override
    public void start() {
        running = true;
        for (Worker worker : catalogue.workers()) {
            if (worker.trigger() instanceof Schedule schedule) {
                Optional<ZonedDateTime> missed = schedule.missed() == Schedule.Missed.RUN ? lastSlot(schedule, Instant.now()) : Optional.empty();
                // the slots to come are planned before the catch-up is published, which may take a while
                planNext(worker, schedule, missed.orElse(null));
                missed.ifPresent(slot -> scheduler.execute(() -> fire(worker, slot, "the last slot, at start-up")));
            }
        }
    }

    private void planNext(Worker worker, Schedule schedule, ZonedDateTime after) {
        ZonedDateTime now = ZonedDateTime.now(schedule.zone());
        // never the slot just fired again, even when the timer woke a little early
        ZonedDateTime next = schedule.cron().next(after != null && after.isAfter(now) ? after : now);
        if (next == null || !running) {
            return;
        }
        scheduler.schedule(() -> {
            // the next slot first: a slot whose publication is retried for minutes must not hold the ones after it
            planNext(worker, schedule, next);
            fire(worker, next, "on time");
        }, next.toInstant());
    }

    /** Publishes the slot, trying again with a growing pause (at most a minute apart, for ten minutes) while Kafka refuses. */
    private void fire(Worker worker, ZonedDateTime slot, String why) {
        TaskEvent event = request(worker, slot);
        ExponentialBackOff policy = new ExponentialBackOff(1_000, 2.0);
        policy.setMaxInterval(60_000);
        policy.setMaxElapsedTime(600_000);
        BackOffExecution backOff = policy.start();
        while (running) {
            try {
                if (publisher.publish(event) == TaskPublisher.Outcome.PUBLISHED) {
                    log.info("fired {} ({})", event.getTaskKey(), why);
                }
                return;
            } catch (RuntimeException e) {
                long wait = backOff.nextBackOff();
                if (wait == BackOffExecution.STOP) {
                    log.error("gave up firing {} after ten minutes: {}", event.getTaskKey(), e.getMessage());
                    return;
                }
                log.warn("could not fire {}, trying again in {} ms: {}", event.getTaskKey(), wait, e.getMessage());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    static TaskEvent request(Worker worker, ZonedDateTime slot) {
        String id = worker.name() + "@" + DateTimeFormatter.ISO_INSTANT.format(slot.toInstant());
        String taskKey = "schedule:" + id;
        TaskRef task = TaskRef.newBuilder()
                .setSource(Source.SCHEDULE)
                .setSourceId(id)
                .setTitle(worker.name() + ", scheduled for " + DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(slot))
                .build();
        return TaskRequests.requested(taskKey, task, SLOT_VERSION, worker, taskKey, Instant.now());
    }

    /** The latest slot at or before {@code now}, if one lies within a year. */
    static Optional<ZonedDateTime> lastSlot(Schedule schedule, Instant now) {
        ZonedDateTime at = now.atZone(schedule.zone());
        for (Duration back : LOOK_BACK) {
            ZonedDateTime last = null;
            ZonedDateTime slot = schedule.cron().next(at.minus(back));
            while (slot != null && !slot.isAfter(at)) {
                last = slot;
                slot = schedule.cron().next(slot);
            }
            if (last != null) {
                return Optional.of(last);
            }
        }
        return Optional.empty();
    }

    @Override
    public void stop() {
        running = false;
        scheduler.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
