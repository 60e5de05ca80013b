package dev.nightshift.ingest.webhook;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.springframework.stereotype.Component;

/**
 * Delivery ids this instance already published, so a sender's redelivery is answered without
 * publishing again. Bounded and per instance: dispatch's own dedupe by event id is the real guard.
 */
@Component
public class RecentDeliveries {

    private static final int CAPACITY = 10_000;

    private final Set<String> seen = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > CAPACITY;
                }
            }));

    public boolean contains(String deliveryId) {
        return seen.contains(deliveryId);
    }

    /** Call only after Kafka acknowledged: a failed publish must stay retryable. */
    public void remember(String deliveryId) {
        seen.add(deliveryId);
    }
}
