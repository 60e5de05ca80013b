package dev.nightshift.ingest.publish;

import java.util.UUID;

import dev.nightshift.events.Topics;
import dev.nightshift.ingest.IngestProperties;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

/** The topics ingest owns, and the publication log every replica shares. */
@Configuration
class PublishConfiguration {

    @Bean
    NewTopic tasksTopic(IngestProperties properties) {
        return TopicBuilder.name(Topics.TASKS).partitions(properties.tasksPartitions()).build();
    }

    @Bean
    NewTopic publicationsTopic(IngestProperties properties) {
        return TopicBuilder.name(Topics.PUBLICATIONS).partitions(properties.tasksPartitions())
                .config(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE)
                .config(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(properties.publicationsRetention().toMillis()))
                // leases are measured by the broker's clock, the same for every replica
                .config(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")
                .build();
    }

    @Bean
    PublicationLog publicationLog(KafkaProperties kafka, IngestProperties properties) {
        // twice the publish time-out: a live holder always finishes, or fails and releases, within its lease
        return new PublicationLog(kafka.buildProducerProperties(), kafka.buildConsumerProperties(), instance(),
                properties.publishTimeout().multipliedBy(2), properties.publishTimeout());
    }

    /** A pod's name where there is one; unique either way, so two replicas in one JVM differ too. */
    private static String instance() {
        String host = System.getenv().getOrDefault("HOSTNAME", "ingest");
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
