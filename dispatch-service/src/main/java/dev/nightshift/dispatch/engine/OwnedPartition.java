package dev.nightshift.dispatch.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;


/** A partition of nightshift.tasks this instance owns. Touched only on the dispatcher's thread. */
final class OwnedPartition {

    final PartitionOffsets offsets = new PartitionOffsets();
    /** Records that arrived before the partition's ledger was read; handled, in order, once it is. */
    final List<Runnable> waitingForLedger = new ArrayList<>();
    /** Per task: the offset of the latest cancellation read ahead of the listener. */
    final Map<String, Long> cancelledAhead = new HashMap<>();
    boolean ledgerRead;
}
