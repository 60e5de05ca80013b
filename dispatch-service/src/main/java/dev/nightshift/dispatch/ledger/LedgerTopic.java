package dev.nightshift.dispatch.ledger;

import java.time.Duration;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.events.Topics;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/**
 * Dispatch owns nightshift.ledger. It needs as many partitions as nightshift.tasks (partition p holds the
 * state of the tasks on partition p), which ingest creates: so it is created, or grown, once the tasks'
 * partition count is known, before the first partition is read.
 * <p>
 * Compacted, so each version keeps its latest entry; and deleted past {@code ledger-retention}, so a dispatcher
 * assigned a partition reads the versions of the last weeks, not every version ever run. A version's entries are
 * rewritten while it runs or waits (leases, retries), so only ended versions grow that old. Kafka does the deleting
 * (as it does for the write log), at segment granularity: an entry goes between one retention and one segment
 * ({@code segment.ms}, a tenth of it here) later. Its records carry the broker's time (LogAppendTime), by which
 * other instances' leases are judged.
 */
@Component
public class LedgerTopic {

    private final KafkaAdmin admin;
    private final Duration retention;
    private volatile int partitions;

    @Autowired
    public LedgerTopic(KafkaAdmin admin, DispatchProperties properties) {
        this(admin, properties.ledgerRetention());
    }

    public LedgerTopic(KafkaAdmin admin, Duration retention) {
        // an admin of its own that also corrects the settings of a ledger created before them (or with others)
        this.admin = new KafkaAdmin(admin.getConfigurationProperties());
        this.admin.setModifyTopicConfigs(true);
        this.retention = retention;
    }

    public void ensure(int taskPartitions) {
        if (taskPartitions <= partitions) {
            return;
        }
        synchronized (this) {
            if (taskPartitions > partitions) {
                admin.createOrModifyTopics(TopicBuilder.name(Topics.LEDGER).partitions(taskPartitions)
                        .config(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE)
                        .config(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()))
                        .config(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(retention.dividedBy(10).toMillis()))
                        // each entry carries the broker's time: leases are judged by it, not by the hosts' clocks
                        .config(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")
                        .build());
                partitions = taskPartitions;
            }
        }
    }
}
