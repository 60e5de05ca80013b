package dev.nightshift.dispatch.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.nightshift.dispatch.run.AttemptRunner;
import dev.nightshift.dispatch.run.RunEvents;
import dev.nightshift.dispatch.run.RunOutcome;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskState;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases and takeover: what the ledger says of the versions in hand, this instance's leases renewed while their
 * runs go on (a run whose lease could not be renewed stops), and a run of another instance whose lease passed
 * taken over.
 */
final class Leases {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** Slack on a foreign lease before taking it over, for clocks that differ a little. */
    private static final Duration TAKEOVER_SLACK = Duration.ofSeconds(1);

    private final EngineContext c;
    private Instant nextRenewal = Instant.EPOCH;

    Leases(EngineContext c) {
        this.c = c;
    }

    /** @param appendedAt when the broker appended it, or null where unknown */
    void entry(int partition, TaskLedgerEntry entry, Instant appendedAt) {
        if (appendedAt != null) {
            c.brokerTime.saw(appendedAt);
        }
        if (!c.ledger.apply(partition, entry, appendedAt)) {
            return;
        }
        Version v = c.versions.get(Version.key(entry.getTaskKey(), entry.getTaskVersion()));
        if (v == null) {
            return;
        }
        c.steps.guarded(v, () -> ledgerSays(v, c.ledger.get(partition, entry.getTaskKey(), entry.getTaskVersion()).orElseThrow()));
    }

    /** What the ledger now says of a version in hand. */
    private void ledgerSays(Version v, TaskLedgerEntry now) {
        if (now.getCancelRequested() && !v.cancelRequested) {
            v.cancelRequested = true;
            v.cancelReason = "cancelled";
            if (v.run != null) {
                log.info("{}: cancellation seen on the ledger, stopping run {}", v, v.runId);
                v.run.stop("cancelled");
            }
        }
        if (v.phase() != Version.Phase.WATCHING) {
            return;
        }
        v.attempt = now.getAttempt();
        v.runId = now.getRunId();
        switch (now.getState()) {
            case RUNNING -> checkLease(v, now);
            case RETRY_WAIT -> c.admission.nextAttemptUnlessCancelled(v, now.getNextAttemptAt());
            default -> {
                log.info("{}: ended on {} ({})", v, now.getInstance(), now.getState());
                c.outcomes.complete(v);
            }
        }
    }

    /**
     * A run this instance watches: taken over once its lease passed, unless it is a run of ours. Judged in the broker's
     * time where the lease was read with it, so a host whose clock is ahead takes over no earlier than the owner, which
     * stops its run when its own lease passes, lets go of it; otherwise by this host's clock and the lease's end.
     */
    void checkLease(Version v, TaskLedgerEntry e) {
        Optional<Instant> byBroker = c.ledger.leaseEndByBroker(v.partition, v.taskKey, v.taskVersion);
        Instant expiry = byBroker.orElse(e.getLeaseUntil() == null ? Instant.EPOCH : e.getLeaseUntil());
        Instant now = byBroker.isPresent() ? c.brokerTime.now() : c.clock.instant();
        if (now.isBefore(expiry.plus(TAKEOVER_SLACK))) {
            return;
        }
        c.metrics.takenOver();
        v.takenOver = true;
        log.warn("{}: the lease of run {} (attempt {}, {}) expired at {}{}; taking it over", v, e.getRunId(), e.getAttempt(),
                e.getInstance(), expiry, byBroker.isPresent() ? " (broker time)" : "");
        RunEvents lost = new RunEvents(v.request, e.getRunId() == null ? UUID.randomUUID().toString() : e.getRunId(), e.getAttempt(), c.clock);
        c.outcomes.write(v, lost, new AttemptRunner.Attempt(RunOutcome.lost(e.getInstance(), v.cancelRequested), true), Duration.ZERO);
    }

    /** Every second: leases renewed when due, runs watched checked, runs whose lease passed stopped. */
    void tick() {
        Instant now = c.clock.instant();
        if (!now.isBefore(nextRenewal)) {
            nextRenewal = now.plus(c.settings.leaseTtl().dividedBy(3));
            renew(now);
        }
        for (Version v : List.copyOf(c.versions.values())) {
            if (v.phase() == Version.Phase.WATCHING) {
                c.ledger.get(v.partition, v.taskKey, v.taskVersion)
                        .filter(e -> e.getState() == TaskState.RUNNING)
                        .ifPresent(e -> c.steps.guarded(v, () -> checkLease(v, e)));
            } else if (v.phase() == Version.Phase.RUNNING && v.run != null && v.abandoned == null
                    && v.leaseConfirmedUntil != null && now.isAfter(v.leaseConfirmedUntil)) {
                // our lease could not be renewed: another instance may take the run over, so this one must stop
                log.error("{}: the lease of run {} could not be renewed (Kafka unreachable?); stopping the run", v, v.runId);
                v.abandoned = "its lease expired";
                v.run.stop("its lease expired before it could be renewed");
            }
        }
    }

    private void renew(Instant now) {
        List<ProducerRecord<String, Object>> renewals = new ArrayList<>();
        Map<Version, TaskLedgerEntry> leases = new HashMap<>();
        for (Version v : c.versions.values()) {
            if (v.phase() == Version.Phase.RUNNING && v.abandoned == null) {
                TaskLedgerEntry lease = c.entries.running(v, now.plus(c.settings.leaseTtl()), now);
                leases.put(v, lease);
                renewals.add(LedgerEntries.record(v.partition, lease));
            }
        }
        if (renewals.isEmpty()) {
            return;
        }
        c.writes.write(renewals).whenCompleteAsync((ok, failed) -> {
            if (failed != null) {
                return;
            }
            leases.forEach((v, lease) -> {
                if (v.phase() == Version.Phase.RUNNING) {
                    v.leaseConfirmedUntil = lease.getLeaseUntil();
                    c.ledger.apply(v.partition, lease);
                }
            });
        }, c.steps::post);
    }
}
