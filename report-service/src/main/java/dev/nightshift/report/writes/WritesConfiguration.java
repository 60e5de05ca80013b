package dev.nightshift.report.writes;

import java.time.Duration;

import dev.nightshift.events.Topics;
import dev.nightshift.report.ReportProperties;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;

/** The writes topic (report owns it) and this replica's log of it. */
@Configuration
class WritesConfiguration {

    @Bean
    NewTopic writesTopic(WritesProperties properties) {
        return TopicBuilder.name(Topics.WRITES).partitions(properties.partitions())
                .config(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE)
                .config(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(properties.retention().toMillis()))
                .build();
    }

    @Bean
    WriteLog writeLog(KafkaTemplate<Object, Object> template, KafkaProperties kafka, ReportProperties report) {
        return new WriteLog(template, report.groupPrefix(), kafka.buildConsumerProperties(), Duration.ofSeconds(10));
    }
}
