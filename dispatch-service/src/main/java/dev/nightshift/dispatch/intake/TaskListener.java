package dev.nightshift.dispatch.intake;

import dev.nightshift.dispatch.run.TaskRunner;
import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/** Consumes nightshift.tasks; the offset is committed after the run's finished event is on Kafka. */
@Component
class TaskListener {

    private static final Logger log = LoggerFactory.getLogger(TaskListener.class);

    private final TaskRunner runner;

    TaskListener(TaskRunner runner) {
        this.runner = runner;
    }

    @KafkaListener(id = "dispatch-tasks", idIsGroup = false, topics = Topics.TASKS)
    void onTask(TaskEvent event) {
        switch (event.getBody()) {
            case TaskRequested r -> runner.run(event);
            case TaskCancelled c -> log.info("{} cancelled ({}): no run of it is in progress here", event.getTaskKey(), c.getReason());
            default -> throw new IllegalArgumentException("unknown task event body " + event.getBody().getClass().getName());
        }
    }
}
