package dev.nightshift.dispatch.intake;

import java.util.Collection;

import dev.nightshift.dispatch.engine.Intake;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * Stops fetching tasks while this instance runs as many agents as it may, and starts again when one ends.
 * The partitions are paused, not given up: they stay this instance's, their lag stays visible.
 */
@Component
public class IntakeValve implements Intake {

    private static final Logger log = LoggerFactory.getLogger(IntakeValve.class);

    private final KafkaListenerEndpointRegistry registry;
    private volatile boolean paused;

    public IntakeValve(KafkaListenerEndpointRegistry registry, MeterRegistry meters) {
        this.registry = registry;
        Gauge.builder("nightshift.dispatch.partitions.paused", this, IntakeValve::pausedPartitions)
                .description("Task partitions this instance has stopped fetching because it runs as many agents as it may")
                .register(meters);
    }

    @Override
    public void pause() {
        set(true);
    }

    @Override
    public void resume() {
        set(false);
    }

    private void set(boolean paused) {
        if (paused == this.paused) {
            return;
        }
        MessageListenerContainer container = registry.getListenerContainer("dispatch-tasks");
        if (container == null) {
            return; // not started yet: asked again when the next run starts or ends
        }
        this.paused = paused;
        if (paused) {
            log.info("as many runs in flight as allowed (nightshift.dispatch.max-runs-in-flight): task partitions paused");
            container.pause();
        } else {
            log.info("a run ended: task partitions resumed");
            container.resume();
        }
    }

    private double pausedPartitions() {
        MessageListenerContainer container = registry.getListenerContainer("dispatch-tasks");
        if (!paused || container == null) {
            return 0;
        }
        Collection<TopicPartition> assigned = container.getAssignedPartitions();
        return assigned == null ? 0 : assigned.size();
    }
}
