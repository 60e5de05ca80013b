package dev.nightshift.dispatch.ledger;

import dev.nightshift.events.Topics;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/**
 * Dispatch owns nightshift.ledger. It needs as many partitions as nightshift.tasks (partition p holds the
 * state of the tasks on partition p), which ingest creates: so it is created, or grown, once the tasks'
 * partition count is known, before the first partition is read.
 */
@Component
public class LedgerTopic {

    private final KafkaAdmin admin;
    private volatile int partitions;

    public LedgerTopic(KafkaAdmin admin) {
        this.admin = admin;
    }

    public void ensure(int taskPartitions) {
        if (taskPartitions <= partitions) {
            return;
        }
        synchronized (this) {
            if (taskPartitions > partitions) {
                admin.createOrModifyTopics(TopicBuilder.name(Topics.LEDGER).partitions(taskPartitions).compact().build());
                partitions = taskPartitions;
            }
        }
    }
}
