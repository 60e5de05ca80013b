package dev.nightshift.dispatch.engine;

import java.time.Instant;

import org.apache.kafka.clients.producer.ProducerRecord;

/** The daily spend ceiling all dispatchers share, as the engine uses it (the spend ledger). */
interface SpendCeiling {

    double ceilingUsd();

    /** Today in the spend zone. */
    String today();

    /** When the next day begins in the spend zone. */
    Instant nextDay();

    double spentToday();

    /** Whether a run with this budget fits in what is left of today's ceiling. */
    boolean admits(double budgetUsd);

    /** The run's reservation, counted at once; written with the run's lease. */
    ProducerRecord<String, Object> reserve(String runId, double budgetUsd);

    /** The run's settlement on the day it reserved; written with the run's outcome. */
    ProducerRecord<String, Object> settle(ProducerRecord<String, Object> reservation, double spentUsd);
}
