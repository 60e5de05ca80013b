package dev.nightshift.report.sink;

import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Each sink's state in /actuator/health: writing, paused (and why) or off (and why); out of service while one is paused. */
@Component("sinksHealthIndicator")
class SinksHealth implements HealthIndicator {

    private final SinkListeners listeners;

    SinksHealth(SinkListeners listeners) {
        this.listeners = listeners;
    }

    @Override
    public Health health() {
        Map<String, String> states = listeners.states();
        Health.Builder health = states.values().stream().anyMatch(s -> s.startsWith("paused")) ? Health.outOfService() : Health.up();
        return health.withDetails(states).build();
    }
}
