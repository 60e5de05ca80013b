package dev.nightshift.dispatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.nightshift.events.Topics;
import dev.nightshift.testkit.SharedInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The ledger topic on a real broker: compacted, deleted past the retention and stamped with the broker's time, also
 * when it existed without those settings.
 */
class LedgerTopicTest {

    @Test
    void aLedgerCreatedCompactedOnlyGetsTheRetentionSetting() throws Exception {
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers());
        ConfigResource ledger = new ConfigResource(ConfigResource.Type.TOPIC, Topics.LEDGER);
        try (Admin admin = Admin.create(config)) {
            // as an earlier version of dispatch created it (or as it is left by another test)
            if (!admin.listTopics().names().get().contains(Topics.LEDGER)) {
                admin.createTopics(List.of(new NewTopic(Topics.LEDGER, 1, (short) 1)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
            }
            admin.incrementalAlterConfigs(Map.of(ledger, List.of(
                    new AlterConfigOp(new ConfigEntry(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, ""), AlterConfigOp.OpType.DELETE)))).all().get();
            int partitions = admin.describeTopics(List.of(Topics.LEDGER)).allTopicNames().get().get(Topics.LEDGER).partitions().size();

            new LedgerTopic(new KafkaAdmin(config), Duration.ofDays(30)).ensure(partitions);

            Config now = admin.describeConfigs(List.of(ledger)).all().get().get(ledger);
            assertThat(now.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact,delete");
            assertThat(now.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo(Long.toString(Duration.ofDays(30).toMillis()));
            assertThat(now.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG).value()).isEqualTo("LogAppendTime");
            assertThat(now.get(TopicConfig.SEGMENT_MS_CONFIG).value()).isEqualTo(Long.toString(Duration.ofDays(3).toMillis()));
        }
    }
}
