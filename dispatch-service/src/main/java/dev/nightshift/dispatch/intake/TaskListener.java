package dev.nightshift.dispatch.intake;

import java.util.HashMap;
import java.util.Map;

import dev.nightshift.dispatch.engine.Dispatcher;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.Topics;
import dev.nightshift.signing.RecordRefusals;
import dev.nightshift.signing.RefusedRecord;
import dev.nightshift.signing.SerdeRehearsal;
import dev.nightshift.signing.VerifyingDeserializer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.stereotype.Component;

/**
 * Consumes nightshift.tasks and hands each record to the dispatcher without waiting for its work, so the
 * consumer keeps polling while runs go on. Offsets are committed by the dispatcher (manual acknowledgment)
 * once the work of every record before them has ended. Values arrive as bytes and are verified and decoded
 * here: a record no Nightshift service signed (or signed for another task key), or an undecodable one, goes
 * to the dead-letter topic and is counted as ended, never holding the commits back, and never run.
 */
@Component
class TaskListener {

    private static final Logger log = LoggerFactory.getLogger(TaskListener.class);

    private final Dispatcher dispatcher;
    private final ConsumerRecordRecoverer deadLetters;
    private final RecordRefusals refusals;
    private final VerifyingDeserializer<TaskEvent> decoder = new VerifyingDeserializer<>();

    TaskListener(Dispatcher dispatcher, ConsumerRecordRecoverer deadLetters, RecordRefusals refusals, KafkaProperties kafka) {
        this.dispatcher = dispatcher;
        this.deadLetters = deadLetters;
        this.refusals = refusals;
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        decoder.configure(config, false);
    }

    /** Reads an example task record with this listener's own decoder: its schema cache is warm for the first task. */
    void rehearse(SerdeRehearsal.Written example) {
        SerdeRehearsal.read(decoder, example);
    }

    @KafkaListener(id = "dispatch-tasks", idIsGroup = false, topics = Topics.TASKS)
    void onTask(ConsumerRecord<String, byte[]> record, Acknowledgment ack) {
        TaskEvent event;
        try {
            event = decoder.deserialize(record.topic(), record.headers(), record.value());
            if (event == null) {
                throw new IllegalArgumentException("empty value");
            }
            if (!event.getTaskKey().equals(record.key())) {
                // the signature covers the value, not the record key: a signed task moved to another key is refused
                throw new RefusedRecord(RefusedRecord.Reason.KEY_MISMATCH, record.topic());
            }
        } catch (RefusedRecord e) {
            log.error("task record {}-{}@{} (key {}) refused, parked on {}: {}", record.topic(), record.partition(), record.offset(),
                    record.key(), Topics.deadLetters(Topics.TASKS), e.reason().tag());
            refusals.count(record.topic(), e);
            deadLetters.accept(record, e);
            dispatcher.undecodable(record.partition(), record.offset(), ack);
            return;
        } catch (RuntimeException e) {
            log.error("task record {}-{} (key {}) is not a task event, parked on {}: {}", record.partition(), record.offset(),
                    record.key(), Topics.deadLetters(Topics.TASKS), e.getMessage());
            deadLetters.accept(record, e);
            dispatcher.undecodable(record.partition(), record.offset(), ack);
            return;
        }
        dispatcher.received(record.partition(), record.offset(), ack, event, record.headers());
    }
}
