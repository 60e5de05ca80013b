package dev.nightshift.dispatch.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.ProducerRecord;

/** What the engine writes to Kafka: in one transaction per call, in the order handed in (the publisher). */
interface Writes {

    /** Completes once every record is on Kafka, after everything handed in before. */
    CompletableFuture<Void> write(List<ProducerRecord<String, Object>> records);

    /** A record nobody waits for (a progress line): written with the next batch. */
    void writeSoon(ProducerRecord<String, Object> record);

    /** Completes once everything handed in so far is on Kafka. */
    CompletableFuture<Void> flush();
}
