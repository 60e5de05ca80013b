package dev.nightshift.dispatch.engine;

/** This dispatcher's name: in the ledger (who holds a lease), its transactional id and its logs. */
public record DispatchInstance(String id) {
}
