package dev.nightshift.report.sink;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nightshift.events.RunEvent;
import dev.nightshift.report.ReportProperties;
import dev.nightshift.report.target.TargetFault;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

/**
 * {@code POST /actuator/deadletters/{sink}}: writes the events a sink parked once its cause is fixed (a
 * token, a deleted issue restored), in order, through the same sink (its limits, its write log, so nothing
 * already written is written again). It stops at the first that fails again, and says where and why; the
 * next replay starts there. How far it got is the group {@code <prefix>-<sink>-replay}'s committed offset.
 * It writes with report's credentials, so it needs the operator's bearer token ({@code nightshift.management.token},
 * observability's ManagementSecurityConfiguration): without it, or with a wrong one, 401.
 */
@Component
@Endpoint(id = "deadletters")
public class DeadLetterReplay {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterReplay.class);

    private final Map<String, Sink> sinks = new HashMap<>();
    private final KafkaProperties kafka;
    private final ReportProperties properties;

    public DeadLetterReplay(List<Sink> sinks, KafkaProperties kafka, ReportProperties properties) {
        sinks.forEach(s -> this.sinks.put(s.name(), s));
        this.kafka = kafka;
        this.properties = properties;
    }

    @WriteOperation
    public synchronized Map<String, Object> replay(@Selector String sink) {
        Sink target = sinks.get(sink);
        if (target == null || target.offBecause().isPresent()) {
            return Map.of("error", "no sink '" + sink + "' is writing (sinks: " + sinks.keySet() + ")");
        }
        String topic = SinkListeners.deadLetters(sink);
        Map<String, Object> consumer = new HashMap<>(kafka.buildConsumerProperties());
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, target.group(properties.groupPrefix()) + "-replay");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        Map<String, Object> result = new LinkedHashMap<>();
        int replayed = 0;
        int undecodable = 0;
        try (KafkaConsumer<String, Object> c = new KafkaConsumer<>(consumer)) {
            List<TopicPartition> partitions = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                for (ConsumerRecord<String, Object> r : c.poll(Duration.ofSeconds(1))) {
                    if (r.value() instanceof RunEvent event) {
                        try {
                            target.write(event);
                        } catch (RuntimeException e) {
                            String reason = TargetFault.in(e).map(Throwable::getMessage).orElse(e.toString());
                            log.warn("replaying {} stopped at {}-{}@{}: {}", topic, r.topic(), r.partition(), r.offset(), reason);
                            result.put("replayed", replayed);
                            result.put("undecodable", undecodable);
                            result.put("stoppedAt", r.topic() + "-" + r.partition() + "@" + r.offset());
                            result.put("reason", reason);
                            return result;
                        }
                        replayed++;
                    } else {
                        undecodable++; // its bytes stay on the topic for whoever can read them
                    }
                    c.commitSync(Map.of(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1)));
                }
            }
        }
        log.info("replayed {} events from {} ({} undecodable skipped)", replayed, topic, undecodable);
        result.put("replayed", replayed);
        result.put("undecodable", undecodable);
        return result;
    }
}
