package dev.nightshift.dispatch.publish;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.events.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

/** Dispatch owns nightshift.runs and creates it with its partition count. */
@Configuration
class RunsTopic {

    @Bean
    NewTopic nightshiftRuns(DispatchProperties properties) {
        return TopicBuilder.name(Topics.RUNS).partitions(properties.runsPartitions()).build();
    }
}
