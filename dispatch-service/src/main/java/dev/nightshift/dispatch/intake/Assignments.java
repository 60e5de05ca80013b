package dev.nightshift.dispatch.intake;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

import dev.nightshift.dispatch.engine.Dispatcher;
import dev.nightshift.dispatch.ledger.LedgerTopic;
import dev.nightshift.events.Topics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * Tells the dispatcher which task partitions it owns. Giving one up waits until what the dispatcher wrote
 * about it (a run's lease) is on Kafka, so the next owner reads it before deciding anything.
 */
@Configuration
class Assignments {

    @Bean
    ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> followAssignments(
            Dispatcher dispatcher, LedgerTopic ledger) {
        return container -> container.getContainerProperties().setConsumerRebalanceListener(new ConsumerAwareRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    ledger.ensure(consumer.partitionsFor(Topics.TASKS).size());
                }
                // where the listener starts on each: the dispatcher looks ahead from there for cancellations
                Map<Integer, Long> positions = new HashMap<>();
                partitions.stream().filter(tp -> tp.topic().equals(Topics.TASKS))
                        .forEach(tp -> positions.put(tp.partition(), consumer.position(tp)));
                dispatcher.assigned(positions);
            }

            @Override
            public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                dispatcher.revoked(numbers(partitions));
            }

            @Override
            public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                dispatcher.revoked(numbers(partitions));
            }
        });
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().filter(tp -> tp.topic().equals(Topics.TASKS)).map(TopicPartition::partition).toList();
    }
}
