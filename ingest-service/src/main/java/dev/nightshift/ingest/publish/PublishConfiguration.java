package dev.nightshift.ingest.publish;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.IngestProperties;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

/** The topic ingest owns, and what this replica remembers of its publications. */
@Configuration
class PublishConfiguration {

    @Bean
    NewTopic tasksTopic(IngestProperties properties) {
        return TopicBuilder.name(Topics.TASKS).partitions(properties.tasksPartitions()).build();
    }

    @Bean
    RecentPublications recentPublications(IngestProperties properties) {
        return new RecentPublications(properties.recentPublications(), properties.recentPublicationsAge(), Ticker.systemTicker());
    }
}
