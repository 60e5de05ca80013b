package dev.nightshift.lifecycle;

import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;

/**
 * The services' start-up order, by name: a lower phase starts earlier and stops later (Spring's
 * {@link SmartLifecycle#getPhase()}). Each part that must start before another says which of these it is.
 */
public enum Phase {

    /** The one writer the others write through: started first, stopped after everything that writes through it. */
    WRITER(Integer.MAX_VALUE - 300),
    /** State followed on compacted topics: known before anything acts on it, followed until everything acting has stopped. */
    STATE(Integer.MAX_VALUE - 250),
    /** What acts on the state (dispatch's engine): started before the listeners that feed it, stopped after them. */
    ENGINE(Integer.MAX_VALUE - 200),
    /** spring-kafka's listener containers (their own default phase): what feeds the engine. */
    LISTENERS(AbstractMessageListenerContainer.DEFAULT_PHASE),
    /** Everything else, last to start and first to stop: Spring's default. */
    DEFAULT(SmartLifecycle.DEFAULT_PHASE);

    private final int value;

    Phase(int value) {
        this.value = value;
    }

    /** The number Spring orders by: return it from {@link SmartLifecycle#getPhase()}. */
    public int value() {
        return value;
    }
}
