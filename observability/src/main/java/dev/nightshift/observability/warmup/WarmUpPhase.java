package dev.nightshift.observability.warmup;

/**
 * One step a service takes before it is ready, so its first task costs what its hundredth does: a producer
 * opened (its transactions initialised), its schemas looked up in the registry, its consumers in their groups
 * and what they must read read. A bean of this type in a service's context is run by {@link WarmUp}, in
 * {@link org.springframework.core.annotation.Order} order; each service declares its own.
 */
public interface WarmUpPhase {

    /** Names the phase in the log and in health, e.g. "task producer". */
    String name();

    /** Does the step; throws if it cannot yet (it is tried again). Bounded by the timeouts of what it calls. */
    void warm() throws Exception;

    /** A phase's work, as a lambda that may throw. */
    interface Step {
        void warm() throws Exception;
    }

    /** A phase named {@code name} doing {@code step}. */
    static WarmUpPhase of(String name, Step step) {
        return new WarmUpPhase() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void warm() throws Exception {
                step.warm();
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
